// Reading run.json (schema fuselab.run/1) back into a RunSummary: to regenerate reports from a
// finished run, and for merging shards or resuming. The inverse of to_json(RunSummary).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>

#include "report/cell_result.h"

namespace fuselab {

// Throws UserError when `j` is not a fuselab.run/1 document. Missing optional fields keep
// their defaults; a cell's spec is restored from its "spec" object.
RunSummary run_summary_from_json(const nlohmann::json& j);

// One cell record of run.json or result.json; written out again unchanged (`recorded`). A
// missing or unknown verdict reads as INFRA, so --resume runs such a cell again.
CellResult cell_result_from_json(const nlohmann::json& j);

// Reads and parses <run_dir>/run.json; the error names the file.
RunSummary load_run_summary(const std::filesystem::path& run_dir);

}  // namespace fuselab
