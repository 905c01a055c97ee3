// The per-cell SVG charts of report.html. Plain horizontal bars: one row per cell, in run order,
// so a chart row lines up with the grid and the table. (Repeats: html_repeat_chart.cpp.)
#include <fmt/format.h>

#include <algorithm>

#include "report/cell_metrics.h"
#include "report/html_parts.h"

namespace fuselab::html {
namespace {

constexpr int kLabelWidth = 230;
constexpr int kBarWidth = 480;
constexpr int kValueWidth = 110;
constexpr int kRowHeight = 22;
constexpr int kTop = 24;

// One row per cell.
std::string cell_chart_open(const char* title, std::size_t rows) {
  return svg_open(title, kLabelWidth + kBarWidth + kValueWidth,
                  kTop + static_cast<int>(rows) * kRowHeight + 8);
}

std::string row_label(std::size_t row, const CellResult& c) {
  return fmt::format(R"(<text x="{}" y="{}" text-anchor="end">{}</text>)", kLabelWidth - 6,
                     kTop + static_cast<int>(row) * kRowHeight + 15, text(c.cell.id, 40));
}

std::string bar(double x, double y, double w, std::string_view fill, const std::string& tip) {
  return fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{}" fill="{}">)"
                     "<title>{}</title></rect>",
                     x, y, std::max(w, 0.0), kRowHeight - 6, fill, tip);
}

std::string axis_caption(const char* caption) {
  return fmt::format(R"(<text x="{}" y="14" fill="#555">{}</text>)", kLabelWidth, caption);
}

}  // namespace

std::string svg_open(std::string_view title, int width, int height) {
  return fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{0}" height="{1}" )"
      R"(viewBox="0 0 {0} {1}" font-family="sans-serif" font-size="12"><title>{2}</title>)"
      "\n",
      width, height, text(title));
}

std::string throughput_svg(const RunSummary& run) {
  double max = 0;
  for (const auto& c : run.cells) max = std::max(max, mib_per_second(c).value_or(0.0));
  std::string out = cell_chart_open("Throughput per cell (MiB/s)", run.cells.size());
  out += axis_caption(max > 0 ? "MiB/s written by the workload" : "no cell reported throughput");
  for (std::size_t i = 0; i < run.cells.size(); ++i) {
    const CellResult& c = run.cells[i];
    const double y = kTop + static_cast<double>(i) * kRowHeight + 3;
    out += row_label(i, c);
    auto t = cell_throughput(c);
    std::string value = t ? fmt::format("{:.1f}", t->mib_per_s) : "no result";
    const double width = t && max > 0 ? t->mib_per_s / max * kBarWidth : 0;
    if (t && max > 0) {
      out += bar(
          kLabelWidth, y, width, verdict_colours(c.verdict).background,
          text(c.cell.id + ": " + value + " MiB/s (" + std::string(basis_text(t->basis)) + ")"));
    }
    const double end = kLabelWidth + width;
    out += fmt::format(R"(<text x="{:.1f}" y="{:.1f}">{}</text>)", end + 4, y + 12, value);
    out += '\n';
  }
  return out + "</svg>\n";
}

std::string timing_svg(const RunSummary& run) {
  double max = 0;
  for (const auto& c : run.cells) max = std::max(max, cell_seconds(c));
  std::string out = cell_chart_open("Boot and cell time per cell (s)", run.cells.size());
  out += axis_caption("seconds: dark = boot to agent hello, light = rest of the cell");
  for (std::size_t i = 0; i < run.cells.size(); ++i) {
    const CellResult& c = run.cells[i];
    const double y = kTop + static_cast<double>(i) * kRowHeight + 3;
    const double total = cell_seconds(c);
    const double boot = std::min(boot_seconds(c).value_or(0.0), total);
    const double scale = max > 0 ? kBarWidth / max : 0;
    out += row_label(i, c);
    out += bar(kLabelWidth, y, boot * scale, "#37474f", text(fmt::format("boot {:.2f} s", boot)));
    out += bar(kLabelWidth + boot * scale, y, (total - boot) * scale, "#90a4ae",
               text(fmt::format("cell {:.1f} s", total)));
    out += fmt::format(R"(<text x="{:.1f}" y="{:.1f}">{:.1f} s</text>)",
                       kLabelWidth + total * scale + 4, y + 12, total);
    out += '\n';
  }
  return out + "</svg>\n";
}

}  // namespace fuselab::html
