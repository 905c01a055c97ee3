// `fuselab figures RUN` (per-configuration statistics of a run's independent boots) and
// `fuselab plot RUN --x AXIS --series AXIS` (an SVG of medians with error bars): the two halves
// of a throughput study's report, beside `fuselab compare`'s ratios (lab/compare).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "compare/axis_plot.h"

namespace fuselab {

class FiguresCommand {
 public:
  explicit FiguresCommand(CLI::App& app);
  bool selected() const { return figures_->parsed() || plot_->parsed(); }
  int run() const;  // 0; UserError for bad input

 private:
  CLI::App* figures_ = nullptr;
  CLI::App* plot_ = nullptr;
  std::string figures_run_, plot_run_;
  std::string format_ = "markdown";
  double cv_target_pct_ = 5;
  PlotOptions plot_options_;
  std::string figures_output_, plot_output_;
};

}  // namespace fuselab
