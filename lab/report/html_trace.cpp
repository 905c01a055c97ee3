// The "Traces" section of report.html: per cell that brought a trace back, its event
// counts (with the first and last timestamp) and the tasks that began a pair (memcg reclaim)
// without ending it. Everything shown comes from the guest: escaped and bounded.
#include <fmt/format.h>

#include "report/html_parts.h"

namespace fuselab::html {
namespace {

using nlohmann::json;

std::string number_text(const json& v) {
  if (v.is_number_integer() || v.is_number_unsigned()) return std::to_string(v.get<long long>());
  if (v.is_number()) return fmt::format("{:.6f}", v.get<double>());
  return "–";
}

std::string cell_trace(const CellResult& c) {
  const json& t = c.trace;
  std::string out = fmt::format("<h3>{}</h3>\n", text(c.cell.id));
  const json agent = t.value("agent", json());
  if (agent.is_object())
    out += fmt::format(
        "<p class=\"meta\">taken on {} · {} bytes in {} chunks{} · {} events overwritten by the "
        "ring{}</p>\n",
        text(agent.value("reason", std::string("?"))), number_text(agent.value("bytes", json())),
        number_text(agent.value("chunks", json())),
        agent.value("truncated", false) ? " (truncated)" : "",
        number_text(agent.value("overrun", json())),
        agent.contains("problem") ? " · " + text(agent.value("problem", std::string()), 200) : "");
  else
    out += "<p class=\"meta\">the trace did not arrive whole (no trace_end)</p>\n";
  const json counts = t.value("counts", json::object());
  const json timeline = t.value("timeline", json::object());
  if (counts.is_object() && !counts.empty()) {
    out +=
        "<table class=\"cells\"><tr><th>event</th><th>count</th><th>first</th><th>last</th>"
        "</tr>\n";
    for (const auto& [name, n] : counts.items()) {
      json span = timeline.is_object() ? timeline.value(name, json::object()) : json::object();
      if (!span.is_object()) span = json::object();
      out += fmt::format(
          "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
          "</tr>\n",
          text(name, 80), number_text(n), number_text(span.value("first", json())),
          number_text(span.value("last", json())));
    }
    out += "</table>\n";
  }
  const json unfinished = t.value("unfinished", json::array());
  if (unfinished.is_array() && !unfinished.empty()) {
    out +=
        "<p>Began without ending (still open when the trace was taken):</p>\n"
        "<table class=\"cells\"><tr><th>pair</th><th>pid</th><th>comm</th><th>open</th>"
        "<th>since</th></tr>\n";
    for (const auto& u : unfinished) {
      if (!u.is_object()) continue;
      out += fmt::format(
          "<tr><td>{}</td><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td>"
          "<td class=\"n\">{}</td></tr>\n",
          text(u.value("pair", std::string()), 80), number_text(u.value("pid", json())),
          text(u.value("comm", std::string()), 80), number_text(u.value("open", json())),
          number_text(u.value("since", json())));
    }
    out += "</table>\n";
  }
  return out;
}

}  // namespace

std::string trace_section(const RunSummary& run) {
  std::string out;
  for (const auto& c : run.cells) {
    if (!c.trace.is_object()) continue;
    try {
      out += cell_trace(c);
    } catch (const json::exception&) {
      out += fmt::format("<h3>{}</h3><p>unreadable trace summary</p>\n", text(c.cell.id));
    }
  }
  return out;
}

}  // namespace fuselab::html
