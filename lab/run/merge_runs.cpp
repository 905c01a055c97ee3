#include "run/merge_runs.h"

#include <algorithm>
#include <set>

#include "common/error.h"
#include "common/paths.h"
#include "report/report_files.h"
#include "report/run_json_reader.h"

namespace fs = std::filesystem;

namespace fuselab {
namespace {

// A destination that is a symlink would write wherever it points.
void refuse_symlink(const fs::path& path) {
  if (fs::is_symlink(fs::symlink_status(path))) {
    throw UserError("merge: " + path.string() + " is a symbolic link",
                    "merge into a fresh directory");
  }
}

// Regular files and directories of `from`, recursively; symlinks and special files are skipped.
void copy_cell_dir(const fs::path& from, const fs::path& to) {
  if (!fs::is_directory(fs::symlink_status(from))) return;
  refuse_symlink(to);
  fs::create_directories(to);
  for (const auto& entry : fs::directory_iterator(from)) {
    auto status = entry.symlink_status();
    auto target = to / entry.path().filename();
    if (fs::is_directory(status)) {
      copy_cell_dir(entry.path(), target);
    } else if (fs::is_regular_file(status)) {
      refuse_symlink(target);
      fs::copy_file(entry.path(), target, fs::copy_options::overwrite_existing);
    }
  }
}

}  // namespace

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
      throw UserError("merge: " + dir.string() + " ran plan '" + run.plan_name + "', not '" +
                      merged.plan_name + "'");
    }
    // Shards run side by side: the merged wall time is the longest one.
    merged.wall_s = std::max(merged.wall_s, run.wall_s);
    merged.interrupted = merged.interrupted || run.interrupted;
    for (auto& r : run.cells) {
      if (r.cell.id.empty())
        throw UserError("merge: " + dir.string() + "/run.json has a cell without an id");
      if (!ids.insert(r.cell.id).second) {
        throw UserError("merge: cell '" + r.cell.id + "' is in more than one run",
                        "merge shards of one plan");
      }
      // The id was checked as a directory name when run.json was read (no '/', no ".."); the
      // shard's files are copied as files only, so a symlink in a shard cannot pull
      // /etc/shadow (or the whole disk) into the merged run.
      copy_cell_dir(dir / r.cell.id, into / r.cell.id);
      merged.cells.push_back(std::move(r));
    }
    if (fs::is_regular_file(fs::symlink_status(dir / "plan.yaml"))) {
      refuse_symlink(into / "plan.yaml");
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
