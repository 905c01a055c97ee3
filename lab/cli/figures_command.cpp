#include "cli/figures_command.h"

#include <iostream>

#include "common/error.h"
#include "common/paths.h"
#include "report/run_json_reader.h"

namespace fuselab {

FiguresCommand::FiguresCommand(CLI::App& app) {
  figures_ = app.add_subcommand(
      "figures",
      "per configuration of a run: throughput statistics over its boots, latency, "
      "server counters, where the cell's time went");
  figures_->add_option("run", figures_run_, "run directory (results/<run-id>)")->required();
  figures_->add_option("--format", format_, "markdown or json")
      ->check(CLI::IsMember({"markdown", "json"}))
      ->capture_default_str();
  figures_->add_option("--cv-target", cv_target_pct_, "percent: list configurations above it")
      ->check(CLI::Range(0.0, 100.0))
      ->capture_default_str();
  figures_->add_option("--output", figures_output_, "write the table to this file too");

  plot_ = app.add_subcommand(
      "plot", "an SVG of a run's median throughput with 95 % intervals, along one axis");
  plot_->add_option("run", plot_run_, "run directory (results/<run-id>)")->required();
  plot_->add_option("--x", plot_options_.x_axis, "the axis along the x axis (e.g. bs, jobs)")
      ->required();
  plot_->add_option("--series", plot_options_.series_axis,
                    "one line per value of this axis (e.g. kernel); default: one line");
  plot_->add_option("--title", plot_options_.title, "the chart's title");
  plot_->add_option("--output", plot_output_, "the SVG file (default: standard output)");
}

int FiguresCommand::run() const {
  if (figures_->parsed()) {
    auto figures = configuration_figures(load_run_summary(figures_run_));
    const std::string text = format_ == "json" ? figures_json(figures).dump(2) + "\n"
                                               : figures_markdown(figures, cv_target_pct_ / 100);
    std::cout << text;
    if (!figures_output_.empty()) write_file_atomic(figures_output_, text);
    return 0;
  }
  auto figures = configuration_figures(load_run_summary(plot_run_));
  const std::string svg = plot_svg(make_plot(figures, plot_options_), plot_options_);
  if (plot_output_.empty())
    std::cout << svg;
  else
    write_file_atomic(plot_output_, svg);
  return 0;
}

}  // namespace fuselab
