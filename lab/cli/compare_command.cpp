#include "cli/compare_command.h"

#include <iostream>

#include "common/error.h"
#include "common/paths.h"
#include "report/run_json_reader.h"

namespace fuselab {

CompareCommand::CompareCommand(CLI::App& app) {
  compare_ = app.add_subcommand(
      "compare", "compare throughput of two runs, or of one run along an axis, with statistics");
  compare_
      ->add_option("runs", runs_,
                   "run directories (results/<run-id>): BASE OTHER, or one run with --axis")
      ->required()
      ->expected(1, 2);
  compare_->add_option("--axis", options_.axis,
                       "one run: pair cells that differ only in this axis (e.g. kernel)");
  compare_->add_option("--base", options_.base_value,
                       "with --axis: the baseline value (default: the axis's first value)");
  compare_->add_option("--alpha", options_.alpha, "Mann-Whitney U significance level")
      ->check(CLI::Range(0.0001, 0.5))
      ->capture_default_str();
  compare_
      ->add_option("--threshold", threshold_pct_,
                   "percent: smaller changes are 'no significant change'")
      ->check(CLI::Range(0.0, 100.0))
      ->capture_default_str();
  compare_->add_flag("--gate", gate_,
                     "exit 1 on a new failing verdict or a significant slowdown beyond "
                     "--max-regression");
  compare_->add_option("--max-regression", max_regression_pct_, "percent, for --gate")
      ->check(CLI::Range(0.0, 100.0))
      ->capture_default_str();
  compare_->add_option("--format", format_, "text, markdown or json")
      ->check(CLI::IsMember({"text", "markdown", "json"}))
      ->capture_default_str();
  compare_->add_option("--output", output_, "write the report to this file too (its format)");
}

int CompareCommand::run() const {
  CompareOptions options = options_;
  options.threshold = threshold_pct_ / 100;
  options.max_regression = max_regression_pct_ / 100;
  Comparison c;
  if (runs_.size() == 2) {
    if (!options.axis.empty())
      throw UserError("--axis compares cells of one run: give one run directory, not two");
    c = compare_runs(load_run_summary(runs_[0]), load_run_summary(runs_[1]), options);
  } else {
    if (options.axis.empty())
      throw UserError("compare needs two run directories, or one with --axis NAME",
                      "e.g. fuselab compare results/A results/B");
    c = compare_axis(load_run_summary(runs_[0]), options);
  }
  const std::string text = format_ == "json"       ? comparison_json(c).dump(2) + "\n"
                           : format_ == "markdown" ? comparison_markdown(c)
                                                   : comparison_text(c);
  std::cout << text;
  if (!output_.empty()) write_file_atomic(output_, text);
  if (gate_ && c.gate_failed()) {
    std::cerr << "fuselab compare: gate failed\n";
    return 1;
  }
  return 0;
}

}  // namespace fuselab
