// Pieces of report.html, split out to keep each file short. Internal to the report layer.
#pragma once

#include <string>
#include <string_view>

#include "report/cell_result.h"

namespace fuselab::html {

// Background and text colour of a verdict, shared by the grid, the legend and the charts.
struct Colours {
  std::string_view background;
  std::string_view text;
};
Colours verdict_colours(Verdict v);

// Escaped, bounded, one-line text for element content and attribute values.
std::string text(std::string_view untrusted, std::size_t max_bytes = 300);

// A relative link target inside the run folder, percent-encoded: "<cell>/<file>".
std::string cell_href(const std::string& cell_id, std::string_view file);

// The opening <svg> tag of a chart, with an accessible (escaped) title.
std::string svg_open(std::string_view title, int width, int height);

// Horizontal bar chart of MiB/s per cell; cells without a figure are listed as "no result".
std::string throughput_svg(const RunSummary& run);
// Per cell, boot (start to the agent's hello) and the rest of the cell, as stacked bars.
std::string timing_svg(const RunSummary& run);
// Per configuration (the `.rN` repeats of one cell id), the median MiB/s of its PASS boots with
// a whisker for the median's 95 % bootstrap interval, a chart per value of one axis; "" when no
// configuration was repeated or none has a figure.
std::string repeat_section(const RunSummary& run);
// Per HANG/STALL/CRASH cell: the decisive report's stack, the blocked tasks with their wchan and
// stacks, the FUSE queues and the memcg; empty when no cell failed that way.
std::string evidence_section(const RunSummary& run);
// Per cell with a trace: its event counts and the begins without an end; "" if none.
std::string trace_section(const RunSummary& run);

}  // namespace fuselab::html
