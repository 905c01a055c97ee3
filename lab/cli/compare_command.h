// `fuselab compare RUN_A RUN_B` and `fuselab compare RUN --axis NAME`: throughput of independent
// boots compared with statistics (lab/compare), verdict changes first, and `--gate` for CI.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "compare/compare_runs.h"

namespace fuselab {

class CompareCommand {
 public:
  explicit CompareCommand(CLI::App& app);
  bool selected() const { return compare_->parsed(); }
  // 0, or 1 when --gate is given and a pair fails it; UserError for bad input.
  int run() const;

 private:
  CLI::App* compare_ = nullptr;
  std::vector<std::string> runs_;
  CompareOptions options_;
  double threshold_pct_ = 2;
  double max_regression_pct_ = 5;
  bool gate_ = false;
  std::string format_ = "text";
  std::string output_;
};

}  // namespace fuselab
