#include "report/cell_result.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/error.h"
#include "common/json_fields.h"
#include "report/cell_metrics.h"
#include "report/dmesg_evidence.h"
#include "report/text_escape.h"

namespace fuselab {

using nlohmann::json;

std::string result_json_text(const json& j) {
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

json cell_files(const CellResult& r) {
  json files = {{"console", "console.log"}, {"agent", "agent.jsonl"}, {"domain", "domain.xml"}};
  // A cell that booted has its bundle (run/cell_bundle.h); one skipped before boot has none.
  if (r.attempts > 0) {
    files["bundle"] = "bundle.json";
    files["repro"] = "repro.sh";
  }
  if (wants_dmesg_evidence(r)) files["dmesg"] = "dmesg.txt";
  if (r.trace.is_object() && r.trace.value("file", json()).is_string())
    files["trace"] = "trace.txt";
  if (r.perf.is_object() && r.perf.value("file", json()).is_string()) files["perf"] = "perf.data";
  if (r.dump.is_object() && r.dump.value("status", "") == "ok") files["vmcore"] = "vmcore";
  return files;
}

json to_json(const CellResult& r) {
  if (!r.recorded.is_null()) return r.recorded;
  json outcomes = json::array();
  for (Verdict v : r.outcomes) outcomes.push_back(std::string(to_string(v)));
  if (outcomes.empty()) outcomes.push_back(std::string(to_string(r.verdict)));
  json j{{"id", r.cell.id},
         {"verdict", std::string(to_string(r.verdict))},
         {"outcomes", outcomes},
         {"expected", r.cell.expect},
         {"matched", r.matched},
         {"reason", r.reason},
         {"signature", r.signature},
         {"end", r.end},
         {"attempts", r.attempts},
         {"started_beside", r.started_beside},
         {"accel", r.accel},
         {"kernel", {{"release", r.kernel_release}, {"source", r.kernel_source}}},
         {"timing", r.timing},
         {"agent_result", r.agent_result},
         {"agent_stall", r.agent_stall},
         {"reports", r.reports},
         {"spec", cell_spec_json(r.cell)},
         {"files", cell_files(r)}};
  if (!r.trace.is_null()) j["trace"] = r.trace;  // only cells that sent one
  if (!r.perf.is_null()) j["perf"] = r.perf;
  if (!r.dump.is_null()) j["dump"] = r.dump;
  return j;
}

json to_json(const RunSummary& run) {
  json cells = json::array();
  for (const auto& c : run.cells) cells.push_back(to_json(c));
  return json{{"schema", "fuselab.run/1"},
              {"run_id", run.run_id},
              {"plan", {{"name", run.plan_name}, {"file", run.plan_file}}},
              {"libvirt_uri", run.libvirt_uri},
              {"accel", {{"chosen", run.accel}, {"reason", run.accel_reason}}},
              {"started_at", run.started_at},
              {"wall_s", run.wall_s},
              {"interrupted", run.interrupted},
              {"shard", run.shard},
              {"host_load", run.host_load},
              {"packing", run.packing},
              {"exit_code", run_exit_code(run)},
              {"cells", cells}};
}

std::string format_table(const RunSummary& run) {
  size_t width = 4;
  for (const auto& c : run.cells) width = std::max(width, c.cell.id.size());
  std::string out = fmt::format("{:<{}} {:<10} {:<6} {:>9} {:>8} {:>10}  {}\n", "CELL", width,
                                "GOT", "WANT", "BOOT(s)", "CELL(s)", "MiB/s", "WHY");
  for (const auto& c : run.cells) {
    // Every figure here came from a guest or from a run.json on disk: read tolerantly.
    double mibs = mib_per_second(c).value_or(0.0);
    double boot = json_double_field(c.timing, "boot_to_hello_s").value_or(-1.0);
    // Reasons quote guest text (agent errors, kernel report titles): no terminal escapes.
    out += fmt::format("{:<{}} {:<10} {:<6} {:>9} {:>8.1f} {:>10}  {}{}\n", clean_line(c.cell.id),
                       width, to_string(c.verdict), clean_line(c.cell.expect, 40),
                       boot >= 0 ? fmt::format("{:.2f}", boot) : "-",
                       json_double_field(c.timing, "cell_s").value_or(0.0),
                       mibs > 0 ? fmt::format("{:.1f}", mibs) : "-",
                       c.matched ? "" : "UNEXPECTED: ", clean_line(c.reason, 100));
  }
  return out;
}

int run_exit_code(const RunSummary& run) {
  if (run.interrupted) return 130;
  bool mismatch = false, infra = false;
  for (const auto& c : run.cells) {
    if (c.matched) continue;
    if (c.verdict == Verdict::Infra)
      infra = true;
    else
      mismatch = true;
  }
  if (mismatch) return 1;
  return infra ? 3 : 0;
}

}  // namespace fuselab
