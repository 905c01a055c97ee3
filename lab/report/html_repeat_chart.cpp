// report.html's chart of a repeated run (`repeat: N`): per configuration, the median MiB/s of its
// PASS boots as a bar and the median's 95 % bootstrap interval as a whisker. Grouped as `fuselab
// figures` groups (compare/run_figures.cpp: the cell id without `.rN`, PASS boots only) and
// summarized by the same stats::summarize, so the page and the study's tables show one number.
// A chart per value of one axis, all on one scale, so the same row in two charts reads as a
// comparison; whiskers that overlap are a first look, `fuselab compare` is the test.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <vector>

#include "common/statistics.h"
#include "report/cell_metrics.h"
#include "report/html_parts.h"

namespace fuselab::html {
namespace {

constexpr int kLabelWidth = 200;
constexpr int kPlotWidth = 360;
constexpr int kValueWidth = 150;
constexpr int kRowHeight = 22;
constexpr int kTop = 24;

struct Configuration {
  std::string key;  // the cell id without its repeat suffix
  std::map<std::string, std::string> axes;
  std::size_t boots = 0;      // whatever their verdict
  stats::Summary throughput;  // of the PASS boots' figures
};

std::vector<Configuration> configurations(const RunSummary& run) {
  std::vector<Configuration> out;
  std::vector<std::vector<double>> samples;
  std::map<std::string, std::size_t> index;
  for (const CellResult& c : run.cells) {
    auto [it, fresh] = index.try_emplace(repeat_key(c.cell.id), out.size());
    if (fresh) {
      out.push_back({.key = it->first, .axes = c.cell.axes});
      samples.emplace_back();
    }
    ++out[it->second].boots;
    // A hang's partial figure measures the hang, not the configuration.
    if (c.verdict != Verdict::Pass) continue;
    if (auto t = mib_per_second(c)) samples[it->second].push_back(*t);
  }
  for (std::size_t i = 0; i < out.size(); ++i) out[i].throughput = stats::summarize(samples[i]);
  return out;
}

// A listed cell may lack an axis the matrix cells have.
std::string axis_of(const Configuration& c, const std::string& axis) {
  auto it = c.axes.find(axis);
  return it == c.axes.end() ? "(none)" : it->second;
}

// The axes whose value differs between configurations, with their values in run order.
std::map<std::string, std::vector<std::string>> varying_axes(const std::vector<Configuration>& cs) {
  std::map<std::string, std::vector<std::string>> values;
  for (const auto& c : cs) {
    for (const auto& [axis, unused] : c.axes) {
      auto& seen = values[axis];
      if (std::find(seen.begin(), seen.end(), axis_of(c, axis)) == seen.end())
        seen.push_back(axis_of(c, axis));
    }
  }
  std::erase_if(values, [](const auto& v) { return v.second.size() < 2; });
  return values;
}

// The axis to draw a chart per value of: the varying one with the fewest values (name order on a
// tie), so each chart holds the most rows; in configs/throughput.yaml that is kernel, the study's
// A/B. With a single varying axis a chart per value would be one row each: "" (one chart).
std::string group_axis(const std::map<std::string, std::vector<std::string>>& varying) {
  if (varying.size() < 2) return {};
  auto fewest = std::min_element(varying.begin(), varying.end(), [](const auto& a, const auto& b) {
    return a.second.size() < b.second.size();
  });
  return fewest->first;
}

// The other varying axes: what tells a chart's rows apart.
std::string row_label(const Configuration& c, const std::vector<std::string>& axes) {
  std::string label;
  for (const auto& axis : axes)
    label += (label.empty() ? "" : " · ") + axis + "=" + axis_of(c, axis);
  return label.empty() ? c.key : label;
}

std::string tooltip(const Configuration& c) {
  const stats::Summary& s = c.throughput;
  if (s.n == 0) return fmt::format("{}: no PASS boot with a figure, of {} boot(s)", c.key, c.boots);
  const std::string ci =
      s.median_ci ? fmt::format("95 % CI [{:.1f}, {:.1f}]", s.median_ci->low, s.median_ci->high)
                  : std::string("no CI (fewer than 3 PASS boots)");
  const std::string cv = s.n > 1 ? fmt::format("{:.1f} %", s.cv * 100) : std::string("-");
  return fmt::format("{}: median {:.1f} MiB/s, {}, n {} of {} boot(s), CV {}", c.key, s.median, ci,
                     s.n, c.boots, cv);
}

std::string row(const Configuration& c, const std::string& label, std::size_t i, double scale) {
  const stats::Summary& s = c.throughput;
  const double y = kTop + static_cast<double>(i) * kRowHeight + 3;
  const double mid = y + (kRowHeight - 6) / 2.0;
  // The row's one <title> covers its label, bar and whisker alike.
  std::string out =
      fmt::format(R"(<g><title>{}</title><text x="{}" y="{:.1f}" text-anchor="end">{}</text>)",
                  text(tooltip(c), 400), kLabelWidth - 6, y + 12, text(label, 40));
  if (s.n == 0) {
    out += fmt::format(R"(<text x="{}" y="{:.1f}">no PASS boot</text>)", kLabelWidth + 4, y + 12);
    return out + "</g>\n";
  }
  double end = kLabelWidth + s.median * scale;
  out += fmt::format(R"(<rect x="{}" y="{:.1f}" width="{:.1f}" height="{}" fill="#90caf9"/>)",
                     kLabelWidth, y, s.median * scale, kRowHeight - 6);
  std::string value = fmt::format("{:.1f}", s.median);
  if (s.median_ci) {
    const double lo = kLabelWidth + s.median_ci->low * scale;
    const double hi = kLabelWidth + s.median_ci->high * scale;
    out += fmt::format(
        R"(<path class="ci" d="M{0:.1f} {2:.1f}H{1:.1f}M{0:.1f} {3:.1f}V{4:.1f}M{1:.1f} {3:.1f}V{4:.1f}" )"
        R"(stroke="#0d47a1" stroke-width="1.5" fill="none"/>)",
        lo, hi, mid, mid - 5, mid + 5);
    end = std::max(end, hi);
    value += fmt::format(" [{:.1f}, {:.1f}]", s.median_ci->low, s.median_ci->high);
  } else {
    value += fmt::format(" (n {})", s.n);
  }
  out += fmt::format(R"(<text x="{:.1f}" y="{:.1f}">{}</text>)", end + 4, y + 12, value);
  return out + "</g>\n";
}

std::string chart(const std::vector<const Configuration*>& rows, const std::string& title,
                  const std::vector<std::string>& label_axes, double scale) {
  const int height = kTop + static_cast<int>(rows.size()) * kRowHeight + 8;
  std::string out = svg_open(title + ": median MiB/s, whisker the 95 % bootstrap CI",
                             kLabelWidth + kPlotWidth + kValueWidth, height);
  out +=
      fmt::format(R"(<text x="{}" y="14" font-weight="bold">{}</text>)", kLabelWidth, text(title));
  out += '\n';
  for (std::size_t i = 0; i < rows.size(); ++i)
    out += row(*rows[i], row_label(*rows[i], label_axes), i, scale);
  return out + "</svg>\n";
}

}  // namespace

std::string repeat_section(const RunSummary& run) {
  const auto cs = configurations(run);
  double max = 0;
  bool repeated = false;
  for (const auto& c : cs) {
    repeated = repeated || c.boots > 1;
    if (c.throughput.n == 0) continue;
    max = std::max(max, c.throughput.median_ci ? c.throughput.median_ci->high : 0.0);
    max = std::max(max, c.throughput.median);
  }
  if (!repeated || max <= 0) return {};
  const auto varying = varying_axes(cs);
  const std::string group = group_axis(varying);
  std::vector<std::string> label_axes;
  for (const auto& [axis, unused] : varying) {
    if (axis != group) label_axes.push_back(axis);
  }
  // Groups in run order; without a group axis one chart of every configuration.
  std::vector<std::string> groups;
  for (const auto& c : cs) {
    const std::string g = group.empty() ? "" : axis_of(c, group);
    if (std::find(groups.begin(), groups.end(), g) == groups.end()) groups.push_back(g);
  }
  std::string out = fmt::format(
      "<p class=\"meta\">Per configuration (its repeats), the median of the PASS boots' MiB/s; the "
      "whisker is the median's 95 % bootstrap interval (3 or more PASS boots). One scale, 0 to "
      "{:.1f} MiB/s, for every chart.</p>\n<div style=\"display:flex;flex-wrap:wrap;gap:8px "
      "24px\">\n",
      max);
  const double scale = kPlotWidth / max;
  for (const auto& g : groups) {
    std::vector<const Configuration*> rows;
    for (const auto& c : cs) {
      if (group.empty() || axis_of(c, group) == g) rows.push_back(&c);
    }
    out += chart(rows, group.empty() ? std::string("every configuration") : group + " = " + g,
                 label_axes, scale);
  }
  return out + "</div>\n";
}

}  // namespace fuselab::html
