// report.html: one self-contained page (inline CSS and SVG, no script, no external fetch; a
// Content-Security-Policy forbids both) for people: the cells as a grid coloured by verdict with
// links to each cell's files, a throughput chart and boot/cell times. Guest-derived text is
// untrusted and escaped everywhere.
#pragma once

#include <string>

#include "report/cell_result.h"

namespace fuselab {

struct HtmlOptions {
  // Axes of the 2-D grid, as JSON pointers into a cell's spec (cell_spec_json), e.g.
  // "/server/threads" or, once plans have axes, "/axes/kernel". Both empty: a flat grid.
  // One empty: a single row or column. Cells sharing a grid square are shown side by side.
  std::string row_axis;
  std::string column_axis;
};

// The grid a matrix run reads best in: its two axes with the most distinct values (rows get
// the one with more), as "/axes/<name>" pointers. Flat when no axis has two values.
HtmlOptions default_grid_axes(const RunSummary& run);

std::string to_html_report(const RunSummary& run, const HtmlOptions& options = {});

}  // namespace fuselab
