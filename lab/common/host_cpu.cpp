#include "common/host_cpu.h"

#include <array>
#include <charconv>

#include "common/paths.h"

namespace fuselab {

std::optional<CpuTimes> parse_proc_stat(std::string_view text) {
  // user nice system idle iowait irq softirq steal guest guest_nice: guest time is already
  // counted in user, so the sum of the first eight is the total.
  constexpr std::string_view kPrefix = "cpu ";
  if (!text.starts_with(kPrefix)) return std::nullopt;
  auto line = text.substr(kPrefix.size(), text.find('\n') - kPrefix.size());
  std::array<std::uint64_t, 8> fields{};
  size_t got = 0;
  const char* p = line.data();
  const char* end = line.data() + line.size();
  while (got < fields.size()) {
    while (p < end && *p == ' ') ++p;
    if (p == end) break;
    auto [next, ec] = std::from_chars(p, end, fields[got]);
    if (ec != std::errc() || (next < end && *next != ' ')) return std::nullopt;
    p = next;
    ++got;
  }
  if (got < 4) return std::nullopt;  // every kernel since 2.6 has at least user..idle
  CpuTimes t;
  t.idle = fields[3] + fields[4];
  for (size_t i = 0; i < got; ++i) {
    if (t.total + fields[i] < t.total) return std::nullopt;  // overflow: not a real reading
    t.total += fields[i];
  }
  return t;
}

std::optional<CpuTimes> read_cpu_times(const std::filesystem::path& path) {
  return parse_proc_stat(read_file_or_empty(path));
}

std::optional<double> idle_cores(const CpuTimes& earlier, const CpuTimes& later, unsigned cpus) {
  if (later.total <= earlier.total || later.idle < earlier.idle) return std::nullopt;
  auto idle = static_cast<double>(later.idle - earlier.idle);
  auto total = static_cast<double>(later.total - earlier.total);
  double cores = idle / total * cpus;
  return cores > cpus ? cpus : cores;
}

}  // namespace fuselab
