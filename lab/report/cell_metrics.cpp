#include "report/cell_metrics.h"

#include <fmt/format.h>

#include "common/json_fields.h"

namespace fuselab {

std::optional<double> boot_seconds(const CellResult& c) {
  auto s = json_double_field(c.timing, "boot_to_hello_s");
  if (s && *s < 0) return std::nullopt;  // the runner writes -1 for "never"
  return s;
}

double cell_seconds(const CellResult& c) {
  return json_double_field(c.timing, "cell_s").value_or(0.0);
}

std::optional<Throughput> cell_throughput(const CellResult& c) {
  // Every figure here came from a guest or from a run.json on disk: read tolerantly.
  if (const nlohmann::json* fio = json_field(c.agent_result, "fio")) {
    if (auto bw = json_double_field(*fio, "bw_bytes"))
      return Throughput{*bw / (1024.0 * 1024.0), Throughput::Basis::FioBandwidth};
  }
  if (auto mibs = json_double_field(c.agent_result, "mib_per_s"))
    return Throughput{*mibs, Throughput::Basis::BytesOverElapsed};
  return std::nullopt;
}

std::string_view basis_text(Throughput::Basis basis) {
  return basis == Throughput::Basis::FioBandwidth ? "fio bandwidth" : "bytes written / elapsed";
}

std::optional<double> mib_per_second(const CellResult& c) {
  auto t = cell_throughput(c);
  return t ? std::optional<double>(t->mib_per_s) : std::nullopt;
}

const nlohmann::json* decisive_report(const CellResult& c) {
  if (!c.reports.is_array() || c.reports.empty()) return nullptr;
  for (const auto& r : c.reports) {
    if (!c.signature.empty() && json_string_field(r, "title") == c.signature) return &r;
  }
  return &c.reports.front();
}

const std::vector<std::string_view>& all_verdict_names() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> v;
    for (int i = 0; i <= static_cast<int>(Verdict::Skip); ++i) {
      v.push_back(to_string(static_cast<Verdict>(i)));
    }
    return v;
  }();
  return names;
}

std::map<std::string, int> verdict_counts(const RunSummary& run) {
  std::map<std::string, int> counts;
  for (const auto& c : run.cells) ++counts[std::string(to_string(c.verdict))];
  return counts;
}

std::string verdict_label(const CellResult& c) {
  std::string got(to_string(c.verdict));
  return c.matched ? got : fmt::format("{} (expected {})", got, c.cell.expect);
}

std::string repeat_key(const std::string& cell_id) {
  const auto dot = cell_id.rfind(".r");
  if (dot == std::string::npos || dot + 2 == cell_id.size()) return cell_id;
  for (std::size_t i = dot + 2; i < cell_id.size(); ++i) {
    if (cell_id[i] < '0' || cell_id[i] > '9') return cell_id;
  }
  return cell_id.substr(0, dot);
}

}  // namespace fuselab
