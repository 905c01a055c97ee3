// Runs a whole plan: prepares artifacts, picks the accelerator, runs each cell (retrying
// infrastructure failures), and writes results/<run-id>/ as it goes, so that an interrupted
// run keeps every cell that finished.
#pragma once

#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "report/cell_result.h"

namespace fuselab {

struct RunOptions {
  std::filesystem::path plan_file;
  std::filesystem::path results_dir = "results";
  std::string connect_uri;  // empty: the embedded QEMU driver
  std::string accel = "auto";
  std::filesystem::path agent_binary;
  std::filesystem::path source_dir;  // repository root: images/ recipes live there
  std::string run_id;                // empty: made from the time
  std::string resume;                // run id whose finished cells are kept
  std::string shard;                 // "K/N": run only that shard of the plan
  std::vector<std::string> cells;    // run only these cell ids (empty: all)
  unsigned jobs = 0;                 // cells at once; 0: default_jobs()
  bool kcidb = false;                // also write kcidb.json
};

struct RunOutcome {
  RunSummary summary;
  std::filesystem::path run_dir;
  int exit_code = 0;
};

RunOutcome run_plan(const RunOptions& options, const std::atomic<bool>& stop);

// Downloads and builds what the plan's cells boot, without booting anything. Returns, for each
// distinct kernel/image pair, the files a cell boots (kernel, initrd, base_image, cmdline).
nlohmann::json prepare_plan(const RunOptions& options);

}  // namespace fuselab
