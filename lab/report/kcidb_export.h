// The run in KernelCI's common reporting format (KCIDB I/O schema v4.3): one checkout for the
// run, one build per kernel the run booted, one test per cell, origin "fuselab". Submitting it
// (kcidb-submit) is left to the CI job; this only shapes the data.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "report/cell_result.h"

namespace fuselab {

struct KcidbOptions {
  // Where the run folder is published (e.g. a CI artifact URL). Empty: no log_url/output_files,
  // since KCIDB wants absolute URLs.
  std::string artifacts_url;
  // The run folder, to read console excerpts for cells that did not pass. Empty: no excerpts.
  std::filesystem::path run_dir;
};

// KCIDB test status of a verdict. Kernel misbehaviour (SLOW, HANG, STALL, OOM, CRASH, WARN) and
// a failed workload are FAIL; INFRA is MISS ("did not run due to a failure in the test
// harness": the lab failed, the kernel's status is unknown); SKIP is SKIP.
std::string_view kcidb_status(Verdict v);

// Guest-derived text in it is cleaned; dump it with error_handler_t::replace all the same, as
// plan-derived ids are not.
nlohmann::json to_kcidb(const RunSummary& run, const KcidbOptions& options = {});

}  // namespace fuselab
