#include "common/host_load.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "common/paths.h"

namespace fuselab {

std::optional<LoadAverage> parse_load_average(std::string_view text) {
  LoadAverage load{};
  const char* p = text.data();
  const char* end = text.data() + text.size();
  for (double& v : load) {
    while (p < end && *p == ' ') ++p;
    auto [next, ec] = std::from_chars(p, end, v);
    if (ec != std::errc() || next == p || !std::isfinite(v) || v < 0) return std::nullopt;
    p = next;
    if (p < end && *p != ' ') return std::nullopt;
  }
  return load;
}

std::optional<LoadAverage> read_load_average(const std::filesystem::path& path) {
  return parse_load_average(read_file_or_empty(path));
}

std::string busy_host_warning(const LoadAverage& load, unsigned cpus) {
  if (cpus == 0 || load[0] <= cpus / 2.0) return "";
  return fmt::format(
      "the host is busy before this run (load average {:.2f} on {} CPUs): throughput figures "
      "will be lower and noisier than on a quiet host; run throughput plans with nothing else on "
      "the machine (run.json records the load before and after)",
      load[0], cpus);
}

nlohmann::json host_load_json(unsigned cpus, const std::optional<LoadAverage>& before,
                              const std::optional<LoadAverage>& after) {
  auto one = [](const std::optional<LoadAverage>& l) {
    return l ? nlohmann::json(*l) : nlohmann::json();
  };
  return {{"cpus", cpus}, {"before", one(before)}, {"after", one(after)}};
}

}  // namespace fuselab
