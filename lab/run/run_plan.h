// Runs a whole plan: prepares artifacts, picks the accelerator, runs each cell (retrying
// infrastructure failures), and writes results/<run-id>/ as it goes, so that an interrupted
// run keeps every cell that finished.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/clock.h"
#include "report/cell_result.h"
#include "run/artifact_resolver.h"
#include "run/cell_runner.h"
#include "vm/backend_registry.h"

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
  bool evidence = false;             // every cell's trace and dmesg.txt, PASS too (plan: evidence)
  // fuselab repro: exactly one cell, no retries, the guest held up until `stop` (CellRunOptions
  // hold; the console goes to options.cell.console_tee). The result files are a run's.
  bool repro = false;
  // --dump-on-hang: every HANG/STALL cell's guest memory to its cell directory's vmcore (a cell
  // can also ask with the plan field dump_on_hang), within --dump-budget (a size; empty: 4 GiB).
  bool dump_on_hang = false;
  std::string dump_budget;
  std::string dump_format = "elf";  // --dump-format: "elf" or "kdump" (run/memory_dump.h)
  unsigned gdb_port = 0;            // fuselab repro --gdb: QEMU's gdbstub port; 0: none

  // Seams: tests/unit/plan_runner_test.cpp drives the whole runner through them with a scripted
  // fake guest and a manual clock. Left empty, the real ones.
  BackendFactory backend;  // null: make_backend(connect_uri), by the URI's scheme
  std::function<std::unique_ptr<PlanArtifacts>()> artifacts;  // null: ArtifactResolver
  const Clock* clock = nullptr;                               // null: the steady clock
  CellRunOptions cell;  // the cells' polls, graces and limits (its clock is `clock`)
};

struct RunOutcome {
  RunSummary summary;
  std::filesystem::path run_dir;
  int exit_code = 0;
};

RunOutcome run_plan(const RunOptions& options, const std::atomic<bool>& stop);

// A new run id: UTC time and a random suffix, e.g. 20261201-163012-5f3a.
std::string make_run_id();

// Downloads and builds what the plan's cells boot, without booting anything. Returns, for each
// distinct kernel/image pair, the files a cell boots (kernel, initrd, base_image, cmdline).
nlohmann::json prepare_plan(const RunOptions& options);

}  // namespace fuselab
