#include "compare/axis_plot.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "common/error.h"
#include "common/xml_text.h"

namespace fuselab {
namespace {

constexpr int kPanelWidth = 560;
constexpr int kPanelHeight = 300;
constexpr int kLeft = 64, kRight = 130, kTop = 34, kBottom = 44;
// Colour-blind safe (Okabe-Ito), one per series in order.
constexpr const char* kColours[] = {"#0072b2", "#d55e00", "#009e73", "#cc79a7",
                                    "#e69f00", "#56b4e9", "#f0e442", "#000000"};

std::optional<double> number(const std::string& s) {
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// 1k, 4k, 1m, 64 KiB...: block sizes written with a unit sort by their size.
std::optional<double> size_value(const std::string& s) {
  if (auto v = number(s)) return v;
  if (s.size() < 2) return std::nullopt;
  const char unit = static_cast<char>(std::tolower(static_cast<unsigned char>(s.back())));
  const double scale = unit == 'k' ? 1e3 : unit == 'm' ? 1e6 : unit == 'g' ? 1e9 : 0;
  auto v = number(s.substr(0, s.size() - 1));
  if (!v || scale == 0) return std::nullopt;
  return *v * scale;
}

std::vector<std::string> ordered_values(const std::vector<ConfigurationFigures>& figures,
                                        const std::string& axis) {
  std::vector<std::string> values;
  for (const auto& f : figures) {
    auto it = f.axes.find(axis);
    if (it != f.axes.end() && std::find(values.begin(), values.end(), it->second) == values.end())
      values.push_back(it->second);
  }
  const bool sizes = std::all_of(values.begin(), values.end(),
                                 [](const std::string& v) { return size_value(v).has_value(); });
  if (sizes)
    std::stable_sort(values.begin(), values.end(),
                     [](const auto& a, const auto& b) { return *size_value(a) < *size_value(b); });
  return values;
}

std::string facet_of(const ConfigurationFigures& f, const PlotOptions& o) {
  std::string facet;
  for (const auto& [name, value] : f.axes) {
    if (name == o.x_axis || name == o.series_axis) continue;
    facet += (facet.empty() ? "" : ", ") + name + "=" + value;
  }
  return facet.empty() ? "(all)" : facet;
}

void require_axis(const std::vector<ConfigurationFigures>& figures, const std::string& axis,
                  const char* flag) {
  std::set<std::string> known;
  for (const auto& f : figures)
    for (const auto& [name, value] : f.axes) known.insert(name);
  if (known.contains(axis)) return;
  std::string list;
  for (const auto& a : known) list += (list.empty() ? "" : ", ") + a;
  throw UserError(std::string(flag) + " " + axis + ": the run has no such axis",
                  list.empty() ? "its plan has no axes" : "its axes: " + list);
}

// The top of the y scale: the largest interval end, rounded up to a readable step.
double y_top(const Plot& plot) {
  double top = 0;
  for (const auto& panel : plot.panels)
    for (const auto& s : panel.series)
      for (const auto& p : s.points) {
        if (!p.figures || p.figures->throughput.n == 0) continue;
        const auto& t = p.figures->throughput;
        top = std::max({top, t.max, t.median_ci ? t.median_ci->high : t.median});
      }
  if (top <= 0) return 1;
  double step = 1;
  while (step * 10 < top) step *= 10;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (top <= step * m) return step * m;
  return step * 10;
}

std::string panel_svg(const PlotPanel& panel, const Plot& plot, const PlotOptions& o, double top,
                      int y0) {
  const double plot_w = kPanelWidth - kLeft - kRight;
  const double plot_h = kPanelHeight - kTop - kBottom;
  const std::size_t n = plot.x_values.size();
  auto x_of = [&](std::size_t i, std::size_t series, std::size_t series_count) {
    const double slot = plot_w / static_cast<double>(n);
    // Series side by side within an x slot, so error bars do not hide each other.
    const double spread = std::min(slot * 0.3, 12.0 * static_cast<double>(series_count));
    const double offset =
        series_count < 2
            ? 0
            : spread * (static_cast<double>(series) / static_cast<double>(series_count - 1) - 0.5);
    return kLeft + slot * (static_cast<double>(i) + 0.5) + offset;
  };
  auto y_of = [&](double v) { return y0 + kTop + plot_h * (1 - v / top); };
  std::string out = fmt::format(R"(<text x="{}" y="{}" font-weight="bold">{}</text>)"
                                "\n",
                                kLeft, y0 + 18, xml_escape(panel.facet));
  // Axes, grid and labels.
  for (int i = 0; i <= 4; ++i) {
    const double v = top * i / 4;
    out += fmt::format(R"(<line x1="{}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}" stroke="#ddd"/>)"
                       R"(<text x="{}" y="{:.1f}" text-anchor="end" fill="#555">{:g}</text>)"
                       "\n",
                       kLeft, kLeft + plot_w, y_of(v), y_of(v), kLeft - 6, y_of(v) + 4, v);
  }
  for (std::size_t i = 0; i < n; ++i)
    out += fmt::format(R"(<text x="{:.1f}" y="{}" text-anchor="middle">{}</text>)"
                       "\n",
                       x_of(i, 0, 1), y0 + kTop + static_cast<int>(plot_h) + 18,
                       xml_escape(plot.x_values[i]));
  out +=
      fmt::format(R"(<text x="{:.1f}" y="{}" text-anchor="middle" fill="#555">{}</text>)"
                  R"svg(<text x="14" y="{:.1f}" fill="#555" transform="rotate(-90 14 {:.1f})" )svg"
                  R"svg(text-anchor="middle">MiB/s (median, 95 % CI)</text>)svg"
                  "\n",
                  kLeft + plot_w / 2, y0 + kPanelHeight - 8, xml_escape(o.x_axis),
                  y0 + kTop + plot_h / 2, y0 + kTop + plot_h / 2);
  // Series: a line through the medians, a whisker for each interval, the legend on the right.
  for (std::size_t s = 0; s < panel.series.size(); ++s) {
    const PlotSeries& series = panel.series[s];
    const char* colour = kColours[s % std::size(kColours)];
    std::string line;
    for (std::size_t i = 0; i < series.points.size(); ++i) {
      const std::optional<ConfigurationFigures>& f = series.points[i].figures;
      if (!f || f->throughput.n == 0) continue;
      const auto& t = f->throughput;
      const double x = x_of(i, s, panel.series.size());
      line += fmt::format("{}{:.1f},{:.1f}", line.empty() ? "" : " ", x, y_of(t.median));
      if (t.median_ci)
        out += fmt::format(
            R"(<path d="M{0:.1f},{1:.1f}V{2:.1f}M{3:.1f},{1:.1f}H{4:.1f}M{3:.1f},{2:.1f}H{4:.1f}" )"
            R"(stroke="{5}" fill="none"/>)"
            "\n",
            x, y_of(t.median_ci->low), y_of(t.median_ci->high), x - 4, x + 4, colour);
      std::string tip = fmt::format("{}: median {:.1f} MiB/s over {} boots, CV {:.1f} %", f->key,
                                    t.median, t.n, t.cv * 100);
      if (t.median_ci)
        tip += fmt::format(", CI [{:.1f}, {:.1f}]", t.median_ci->low, t.median_ci->high);
      out += fmt::format(
          R"(<circle cx="{:.1f}" cy="{:.1f}" r="3.5" fill="{}"><title>{}</title></circle>)"
          "\n",
          x, y_of(t.median), colour, xml_escape(tip));
    }
    if (!line.empty())
      out += fmt::format(R"(<polyline points="{}" stroke="{}" fill="none" stroke-width="1.5"/>)"
                         "\n",
                         line, colour);
    const int ly = y0 + kTop + 8 + static_cast<int>(s) * 18;
    out += fmt::format(R"(<rect x="{}" y="{}" width="12" height="3" fill="{}"/>)"
                       R"(<text x="{}" y="{}">{}</text>)"
                       "\n",
                       kPanelWidth - kRight + 14, ly - 4, colour, kPanelWidth - kRight + 30, ly,
                       o.series_axis.empty()
                           ? std::string("median")
                           : xml_escape(o.series_axis) + "=" + xml_escape(series.value));
  }
  return out;
}

}  // namespace

Plot make_plot(const std::vector<ConfigurationFigures>& figures, const PlotOptions& options) {
  require_axis(figures, options.x_axis, "--x");
  // Without a series axis, one line: every configuration that differs in x is a point of it.
  if (!options.series_axis.empty()) require_axis(figures, options.series_axis, "--series");
  if (options.x_axis == options.series_axis)
    throw UserError("--x and --series both name axis " + options.x_axis,
                    "plot one axis against another, e.g. --x bs --series kernel");
  Plot plot;
  plot.x_values = ordered_values(figures, options.x_axis);
  const std::vector<std::string> series_values = options.series_axis.empty()
                                                     ? std::vector<std::string>{""}
                                                     : ordered_values(figures, options.series_axis);
  for (const auto& f : figures) {
    const std::string facet = facet_of(f, options);
    auto panel = std::find_if(plot.panels.begin(), plot.panels.end(),
                              [&](const PlotPanel& p) { return p.facet == facet; });
    if (panel == plot.panels.end()) {
      PlotPanel fresh{facet, {}};
      for (const auto& v : series_values) {
        PlotSeries s{v, {}};
        for (const auto& x : plot.x_values) s.points.push_back({x, std::nullopt});
        fresh.series.push_back(std::move(s));
      }
      plot.panels.push_back(std::move(fresh));
      panel = plot.panels.end() - 1;
    }
    auto x = f.axes.find(options.x_axis);
    auto series = f.axes.find(options.series_axis);
    if (x == f.axes.end() || (!options.series_axis.empty() && series == f.axes.end())) continue;
    const std::string series_value = options.series_axis.empty() ? "" : series->second;
    const auto si =
        std::find(series_values.begin(), series_values.end(), series_value) - series_values.begin();
    const auto xi =
        std::find(plot.x_values.begin(), plot.x_values.end(), x->second) - plot.x_values.begin();
    panel->series[static_cast<std::size_t>(si)].points[static_cast<std::size_t>(xi)].figures = f;
  }
  return plot;
}

std::string plot_svg(const Plot& plot, const PlotOptions& options) {
  const int height = static_cast<int>(plot.panels.size()) * kPanelHeight + 30;
  std::string title = options.title;
  if (title.empty())
    title = "Throughput by " + options.x_axis +
            (options.series_axis.empty() ? "" : " and " + options.series_axis);
  std::string out =
      fmt::format(R"(<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{0}" height="{1}" )"
                  R"(viewBox="0 0 {0} {1}" font-family="sans-serif" font-size="12">)"
                  R"(<title>{2}</title><rect width="100%" height="100%" fill="white"/>)"
                  R"(<text x="{3}" y="20" font-size="14">{2}</text>)"
                  "\n",
                  kPanelWidth, height, xml_escape(title), kLeft);
  const double top = y_top(plot);
  for (std::size_t i = 0; i < plot.panels.size(); ++i)
    out += panel_svg(plot.panels[i], plot, options, top, 30 + static_cast<int>(i) * kPanelHeight);
  return out + "</svg>\n";
}

}  // namespace fuselab
