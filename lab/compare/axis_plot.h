// `fuselab plot RUN --x AXIS --series AXIS`: how throughput grows with one axis (block size,
// numjobs), one line per value of another (kernel), one panel per combination of the remaining
// axes (server). Each point is the median of a configuration's PASS boots with its 95 %
// bootstrap interval as an error bar. Plain SVG, no script: it opens in a browser or a CI
// artifact viewer, and the HTML report can embed it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compare/run_figures.h"

namespace fuselab {

struct PlotOptions {
  std::string x_axis;
  std::string series_axis;  // empty: one line
  std::string title;        // default: the run id and the two axes
};

struct PlotPoint {
  std::string x;
  std::optional<ConfigurationFigures> figures;  // none: no such configuration
};
struct PlotSeries {
  std::string value;              // of the series axis
  std::vector<PlotPoint> points;  // one per x value, in x order
};
struct PlotPanel {
  std::string facet;  // the other axes' values, "(all)" when there are none
  std::vector<PlotSeries> series;
};
struct Plot {
  std::vector<std::string> x_values;  // numeric order when every value is a number, else plan order
  std::vector<PlotPanel> panels;
};

// Throws UserError when an axis is missing from the run or both name the same axis.
Plot make_plot(const std::vector<ConfigurationFigures>& figures, const PlotOptions& options);
std::string plot_svg(const Plot& plot, const PlotOptions& options);

}  // namespace fuselab
