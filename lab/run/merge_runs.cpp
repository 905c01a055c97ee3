#include "run/merge_runs.h"

#include <algorithm>
#include <set>

#include "common/error.h"
#include "common/paths.h"
#include "report/report_files.h"

namespace fs = std::filesystem;

namespace fuselab {

RunSummary merge_runs(const std::vector<fs::path>& runs, const fs::path& into) {
  if (runs.empty()) throw UserError("merge: no runs given", "fuselab merge --into DIR RUN_DIR...");
  RunSummary merged;
  merged.run_id = fs::absolute(into).filename().string();
  std::set<std::string> ids;
  for (const auto& dir : runs) {
    auto file = dir / "run.json";
    if (!fs::exists(file)) throw UserError("merge: no run.json in " + dir.string());
    auto run = nlohmann::json::parse(read_file(file), nullptr, false);
    if (run.is_discarded() || !run.contains("cells")) throw UserError("merge: " + file.string() + " is not a run record");
    std::string plan = run["plan"].value("name", "");
    if (merged.plan_name.empty()) {
      merged.plan_name = plan;
      merged.plan_file = run["plan"].value("file", "");
      merged.libvirt_uri = run.value("libvirt_uri", "");
      merged.accel = run["accel"].value("chosen", "");
      merged.accel_reason = run["accel"].value("reason", "");
      merged.started_at = run.value("started_at", "");
    } else if (plan != merged.plan_name) {
      throw UserError("merge: " + dir.string() + " ran plan '" + plan + "', not '" + merged.plan_name + "'");
    }
    // Shards run side by side: the merged wall time is the longest one.
    merged.wall_s = std::max(merged.wall_s, run.value("wall_s", 0.0));
    merged.interrupted = merged.interrupted || run.value("interrupted", false);
    for (const auto& j : run["cells"]) {
      CellResult r = cell_result_from_json(j);
      if (!ids.insert(r.cell.id).second) {
        throw UserError("merge: cell '" + r.cell.id + "' is in more than one run", "merge shards of one plan");
      }
      if (fs::exists(dir / r.cell.id)) {
        fs::create_directories(into / r.cell.id);
        fs::copy(dir / r.cell.id, into / r.cell.id,
                 fs::copy_options::recursive | fs::copy_options::overwrite_existing);
      }
      merged.cells.push_back(std::move(r));
    }
    if (fs::exists(dir / "plan.yaml")) {
      fs::copy_file(dir / "plan.yaml", into / "plan.yaml", fs::copy_options::overwrite_existing);
    }
  }
  std::sort(merged.cells.begin(), merged.cells.end(),
            [](const CellResult& a, const CellResult& b) { return a.cell.id < b.cell.id; });
  write_file_atomic(into / "run.json", result_json_text(to_json(merged)));
  write_reports(merged, into);
  return merged;
}

}  // namespace fuselab
