// The record of one finished cell, and its files: result.json per cell, run.json per run
// (schema: docs in README "Results"), and the table printed at the end of a run.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/cell_spec.h"
#include "verdict/verdict.h"

namespace fuselab {

struct CellResult {
  CellSpec cell;
  Verdict verdict = Verdict::Infra;
  std::string reason;
  std::string signature;
  std::vector<Verdict> outcomes;  // every outcome in order, the verdict last (VerdictDecision)
  bool matched = false;           // verdict == cell.expect
  int attempts = 0;
  std::string accel;
  std::string kernel_release;
  std::string kernel_source;
  nlohmann::json timing;        // see CellTiming
  nlohmann::json agent_result;  // the agent's result message, or null
  nlohmann::json agent_stall;   // the agent monitor's first stall/hang message, or null
  nlohmann::json reports;       // grouped kernel reports
  nlohmann::json trace;         // summary of trace.txt (report/trace_summary.h), or null
  nlohmann::json perf;          // perf.data received from an --evidence cell, or null
  std::string end;              // how the watch ended (CellEnd)
  nlohmann::json dump;          // --dump-on-hang: the vmcore's record (run/memory_dump.h), or null
  unsigned started_beside = 0;  // cells already running when this one started (run/cell_packing.h)
  // A result read back from an earlier run (resume, merge): written out again unchanged.
  nlohmann::json recorded;
};

nlohmann::json to_json(const CellResult& r);
// The cell's files, by role ("console": "console.log", ...; "dmesg" for a failed cell).
nlohmann::json cell_files(const CellResult& r);
// Reading records back: report/run_json_reader.h.

struct RunSummary {
  std::string run_id;
  std::string plan_name;
  std::string plan_file;
  std::string libvirt_uri;
  std::string accel;
  std::string accel_reason;
  std::string started_at;  // UTC, ISO 8601
  double wall_s = 0;
  bool interrupted = false;
  std::vector<CellResult> cells;
  std::string shard;         // "K/N" when the run was one shard of a plan
  nlohmann::json host_load;  // common/host_load.h: the load average before and after; or null
  // How cells shared the host: {"mode": "measured"|"fixed", "room_jobs", "max_jobs", "peak_jobs"}.
  nlohmann::json packing;
};

nlohmann::json to_json(const RunSummary& run);

// JSON text for result files. Kernel report titles and excerpts come from guest console bytes,
// which need not be UTF-8: invalid sequences become U+FFFD instead of throwing mid-run.
std::string result_json_text(const nlohmann::json& j);

// The per-cell table shown at the end of a run.
std::string format_table(const RunSummary& run);

// Process exit code for a finished run: 0 all matched, 1 some cell did not match its
// expectation, 3 an infrastructure failure (unexpected INFRA), 130 interrupted.
int run_exit_code(const RunSummary& run);

}  // namespace fuselab
