// `fuselab merge`: joins the results of shards (or of runs of the same plan) into one run
// directory, as if one run had produced them.
#pragma once

#include <filesystem>
#include <vector>

#include "report/cell_result.h"

namespace fuselab {

// Copies each run's cell directories into `into` and writes its run.json. A cell present in
// several runs is an error (shards do not overlap). Returns the merged summary.
RunSummary merge_runs(const std::vector<std::filesystem::path>& runs,
                      const std::filesystem::path& into);

}  // namespace fuselab
