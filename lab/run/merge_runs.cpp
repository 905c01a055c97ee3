#include "run/merge_runs.h"

#include <algorithm>
#include <set>

#include "common/error.h"
#include "common/paths.h"
#include "report/report_files.h"
#include "report/run_json_reader.h"

namespace fs = std::filesystem;

namespace fuselab {

RunSummary merge_runs(const std::vector<fs::path>& runs, const fs::path& into) {
  if (runs.empty()) throw UserError("merge: no runs given", "fuselab merge --into DIR RUN_DIR...");
  RunSummary merged;
  merged.run_id = fs::absolute(into).filename().string();
  std::set<std::string> ids;
  for (const auto& dir : runs) {
    RunSummary run = load_run_summary(dir);
    if (merged.plan_name.empty()) {
      merged.plan_name = run.plan_name;
      merged.plan_file = run.plan_file;
      merged.libvirt_uri = run.libvirt_uri;
      merged.accel = run.accel;
      merged.accel_reason = run.accel_reason;
      merged.started_at = run.started_at;
    } else if (run.plan_name != merged.plan_name) {
      throw UserError("merge: " + dir.string() + " ran plan '" + run.plan_name + "', not '" + merged.plan_name + "'");
    }
    // Shards run side by side: the merged wall time is the longest one.
    merged.wall_s = std::max(merged.wall_s, run.wall_s);
    merged.interrupted = merged.interrupted || run.interrupted;
    for (auto& r : run.cells) {
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
