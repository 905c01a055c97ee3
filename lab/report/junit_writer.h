// junit.xml: one <testcase> per cell, for CI systems that gate on JUnit (GitLab, Jenkins,
// GitHub test-report actions). A cell that did not get its expected verdict is a <failure>
// (an <error> when the lab failed, INFRA), carrying verdict, expectation, signature and a
// console excerpt; a cell that was expected to be skipped and was is <skipped>.
#pragma once

#include <filesystem>
#include <string>

#include "report/cell_result.h"

namespace fuselab {

// `run_dir` holds the cells' folders; console excerpts are read from <run_dir>/<cell>/console.log.
std::string to_junit_xml(const RunSummary& run, const std::filesystem::path& run_dir);

}  // namespace fuselab
