#include "report/html_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "report/cell_metrics.h"
#include "report/dmesg_evidence.h"
#include "report/html_parts.h"
#include "report/text_escape.h"

namespace fuselab {
namespace {

using html::text;

// No script and no fetch of any kind, even if some guest string slipped through unescaped.
constexpr std::string_view kHead = R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
)";

constexpr std::string_view kStyle = R"(<style>
body{font:14px/1.4 system-ui,sans-serif;margin:20px;color:#212121;background:#fafafa}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:24px 0 8px}
.meta{color:#555} .legend span{display:inline-block;padding:2px 8px;margin:2px;border-radius:3px}
.flat{display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));gap:8px}
table.grid{border-collapse:collapse} table.grid th{padding:4px 8px;background:#eceff1}
table.grid td{padding:4px;vertical-align:top;border:1px solid #cfd8dc}
.cell{border-radius:4px;padding:6px 8px;min-width:200px;margin:2px;display:inline-block;vertical-align:top}
.cell.miss{outline:4px dashed #d50000;outline-offset:-2px}
.cell .id{font-weight:600;word-break:break-all} .cell .why{font-size:12px;word-break:break-word}
.flat .cell{display:block;margin:0;min-width:0}
.links{display:flex;flex-wrap:wrap;gap:0 8px} .cell a{color:inherit;font-size:12px}
table.cells{border-collapse:collapse;background:#fff;width:100%} table.cells td{word-break:break-word} table.cells td,table.cells th{padding:3px 8px;border-bottom:1px solid #e0e0e0;text-align:left}
table.cells td.n{text-align:right;font-variant-numeric:tabular-nums}
section.evidence{background:#fff;border-left:4px solid #c62828;padding:4px 12px;margin:8px 0}
section.evidence h3{font-size:15px;margin:6px 0} section.evidence h4{font-size:13px;margin:10px 0 4px}
pre.stack{font:12px/1.3 ui-monospace,monospace;background:#f5f5f5;padding:6px;margin:0;overflow-x:auto;white-space:pre}
</style></head><body>
)";

std::string tile(const CellResult& c) {
  const auto colours = html::verdict_colours(c.verdict);
  const std::string why = c.signature.empty() ? c.reason : c.signature;
  std::string links;
  for (const char* f : {"console.log", "result.json", "agent.jsonl", "domain.xml"}) {
    links += fmt::format(R"(<a href="{}">{}</a>)", html::cell_href(c.cell.id, f), f);
  }
  if (wants_dmesg_evidence(c))
    links += fmt::format(R"(<a href="{}">dmesg.txt</a>)", html::cell_href(c.cell.id, "dmesg.txt"));
  if (c.trace.is_object() && c.trace.value("file", nlohmann::json()).is_string())
    links += fmt::format(R"(<a href="{}">trace.txt</a>)", html::cell_href(c.cell.id, "trace.txt"));
  if (c.perf.is_object() && c.perf.value("file", nlohmann::json()).is_string())
    links += fmt::format(R"(<a href="{}">perf.data</a>)", html::cell_href(c.cell.id, "perf.data"));
  auto mibs = cell_throughput(c);
  auto boot = boot_seconds(c);
  return fmt::format(R"(<div class="cell{}" style="background:{};color:{}" title="{}">)"
                     R"(<div class="id">{}</div><div>{}{}</div><div class="why">{}</div>)"
                     R"(<div>boot {} · cell {:.1f} s · {}</div><div class="links">{}</div></div>)",
                     c.matched ? "" : " miss", colours.background, colours.text,
                     text(c.reason, 600), text(c.cell.id), text(verdict_label(c)),
                     c.matched ? "" : " ✗", text(why, 160),
                     boot ? fmt::format("{:.2f} s", *boot) : "–", cell_seconds(c),
                     mibs ? fmt::format(R"(<span title="{}">{:.1f} MiB/s</span>)",
                                        basis_text(mibs->basis), mibs->mib_per_s)
                          : "no throughput",
                     links);
}

// The value of one axis for a cell, as text; empty pointer or missing value: "".
std::string axis_value(const nlohmann::json& spec, const std::string& pointer) {
  if (pointer.empty()) return {};
  try {
    nlohmann::json::json_pointer p(pointer);
    if (!spec.contains(p)) return "(none)";
    const auto& v = spec.at(p);
    return v.is_string() ? v.get<std::string>() : v.dump();
  } catch (const nlohmann::json::exception&) {
    return "(bad axis)";  // a malformed pointer is the caller's bug; keep the page readable
  }
}

// Distinct values in order of first appearance, so the grid follows the plan's order.
void add_unique(std::vector<std::string>& values, const std::string& v) {
  if (std::find(values.begin(), values.end(), v) == values.end()) values.push_back(v);
}

std::string grid(const RunSummary& run, const HtmlOptions& options) {
  if (options.row_axis.empty() && options.column_axis.empty()) {
    std::string out = "<div class=\"flat\">\n";
    for (const auto& c : run.cells) out += tile(c) + "\n";
    return out + "</div>\n";
  }
  std::vector<std::string> rows, columns;
  std::map<std::pair<std::string, std::string>, std::string> squares;
  for (const auto& c : run.cells) {
    const auto spec = cell_spec_json(c.cell);
    const std::string r = axis_value(spec, options.row_axis);
    const std::string col = axis_value(spec, options.column_axis);
    add_unique(rows, r);
    add_unique(columns, col);
    squares[{r, col}] += tile(c);
  }
  std::string out = fmt::format("<table class=\"grid\"><tr><th>{} \\ {}</th>",
                                text(options.row_axis), text(options.column_axis));
  for (const auto& col : columns) out += "<th>" + text(col) + "</th>";
  out += "</tr>\n";
  for (const auto& r : rows) {
    out += "<tr><th>" + text(r) + "</th>";
    for (const auto& col : columns) out += "<td>" + squares[{r, col}] + "</td>";
    out += "</tr>\n";
  }
  return out + "</table>\n";
}

std::string legend(const RunSummary& run) {
  const auto counts = verdict_counts(run);
  std::string out = "<div class=\"legend\">";
  for (auto name : all_verdict_names()) {
    auto it = counts.find(std::string(name));
    const auto colours = html::verdict_colours(*verdict_from_string(name));
    out += fmt::format(R"(<span style="background:{};color:{}">{} {}</span>)", colours.background,
                       colours.text, name, it == counts.end() ? 0 : it->second);
  }
  return out + " <span>dashed outline: not the expected verdict</span></div>\n";
}

std::string cell_table(const RunSummary& run) {
  std::string out =
      "<table class=\"cells\"><tr><th>cell</th><th>verdict</th><th>expected</th><th>end</th>"
      "<th>attempts</th><th>boot s</th><th>cell s</th><th>MiB/s</th><th>kernel</th>"
      "<th>signature / reason</th></tr>\n";
  for (const auto& c : run.cells) {
    auto boot = boot_seconds(c);
    auto mibs = mib_per_second(c);
    out += fmt::format(
        R"(<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td class="n">{}</td>)"
        R"(<td class="n">{}</td><td class="n">{:.1f}</td><td class="n">{}</td><td>{}</td><td>{}</td></tr>)",
        html::cell_href(c.cell.id, "result.json"), text(c.cell.id), to_string(c.verdict),
        text(c.cell.expect), text(c.end), c.attempts, boot ? fmt::format("{:.2f}", *boot) : "–",
        cell_seconds(c), mibs ? fmt::format("{:.1f}", *mibs) : "–", text(c.kernel_release),
        text(c.signature.empty() ? c.reason : c.signature + " — " + c.reason, 400));
    out += '\n';
  }
  return out + "</table>\n";
}

}  // namespace

HtmlOptions default_grid_axes(const RunSummary& run) {
  std::map<std::string, std::set<std::string>> values;
  for (const auto& c : run.cells) {
    for (const auto& [axis, value] : c.cell.axes) values[axis].insert(value);
  }
  std::vector<std::pair<std::size_t, std::string>> ranked;  // (distinct values, axis)
  for (const auto& [axis, seen] : values) {
    if (seen.size() > 1) ranked.emplace_back(seen.size(), axis);
  }
  // Most values first; equal counts in name order, so the choice is stable.
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  // json_pointer's "/" escapes '~' and '/' inside an axis name.
  const nlohmann::json::json_pointer axes("/axes");
  HtmlOptions o;
  if (ranked.size() > 0) o.row_axis = (axes / ranked[0].second).to_string();
  if (ranked.size() > 1) o.column_axis = (axes / ranked[1].second).to_string();
  return o;
}

std::string to_html_report(const RunSummary& run, const HtmlOptions& options) {
  std::string out(kHead);
  out += fmt::format("<title>fuselab {} ({})</title>\n", text(run.run_id), text(run.plan_name));
  out += kStyle;
  int mismatched = 0;
  for (const auto& c : run.cells) mismatched += c.matched ? 0 : 1;
  out += fmt::format("<h1>fuselab run {}: plan {}</h1>\n", text(run.run_id), text(run.plan_name));
  out += fmt::format(
      "<p class=\"meta\">{} cell(s), {} not as expected{} · started {} · wall {:.1f} s · "
      "accelerator {} ({}) · <a href=\"run.json\">run.json</a> · <a "
      "href=\"junit.xml\">junit.xml</a>"
      " · <a href=\"plan.yaml\">plan.yaml</a></p>\n",
      run.cells.size(), mismatched, run.interrupted ? " · <b>interrupted</b>" : "",
      text(run.started_at), run.wall_s, text(run.accel), text(run.accel_reason, 200));
  out += legend(run);
  if (run.cells.empty()) return out + "<p>No cell finished.</p>\n</body></html>\n";
  out += "<h2>Cells</h2>\n" + grid(run, options);
  out += html::evidence_section(run);
  // A run of hangs has no figure to chart: no section of "no result" rows.
  if (std::any_of(run.cells.begin(), run.cells.end(),
                  [](const CellResult& c) { return cell_throughput(c).has_value(); }))
    out += "<h2>Throughput</h2>\n" + html::throughput_svg(run);
  // Repeats: one figure and its interval per configuration, beside the per-boot bars above.
  if (std::string repeats = html::repeat_section(run); !repeats.empty())
    out += "<h2>Throughput over repeats</h2>\n" + repeats;
  out += "<h2>Boot and cell time</h2>\n" + html::timing_svg(run);
  if (std::string traces = html::trace_section(run); !traces.empty())
    out += "<h2>Traces</h2>\n" + traces;
  out += "<h2>Details</h2>\n" + cell_table(run);
  return out + "</body></html>\n";
}

}  // namespace fuselab
