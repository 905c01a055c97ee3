// The report's "Evidence" section: per HANG/STALL/CRASH cell, what a kernel developer reads first
// (the decisive kernel report's stack, the tasks the agent's monitor found blocked with their
// wchan and stacks, the FUSE queues and the tested memcg), so the report answers "where is it
// stuck" without opening a file. Everything shown is guest output: escaped and bounded.
#include <fmt/format.h>

#include <algorithm>

#include "common/json_fields.h"
#include "report/cell_metrics.h"
#include "report/dmesg_evidence.h"
#include "report/html_parts.h"
#include "report/text_escape.h"

namespace fuselab::html {
namespace {

constexpr std::size_t kMaxStackBytes = 8UL << 10;
constexpr std::size_t kMaxTasksShown = 32;

// Multi-line guest text for a <pre>: cleaned (control characters, invalid UTF-8), escaped, cut.
std::string block(std::string_view untrusted, std::size_t max_bytes = kMaxStackBytes) {
  return xml_escape(clean_text(untrusted, max_bytes));
}

std::string str(const nlohmann::json& obj, const char* key) {
  return json_string_field(obj, key).value_or("");
}

std::string report_part(const nlohmann::json& r) {
  std::string frames;
  if (const auto* f = json_field(r, "frames"); f && f->is_array()) {
    for (const auto& frame : *f) {
      if (frame.is_string()) frames += frame.get<std::string>() + "\n";
    }
  }
  if (frames.empty()) frames = str(r, "excerpt");
  const auto count = json_int_field<long long>(r, "count").value_or(1);
  return fmt::format(
      "<h4>Decisive report: {} <span class=\"meta\">(task {}, {} time{})</span></h4>"
      "<pre class=\"stack\">{}</pre>\n",
      text(str(r, "title"), 200), text(str(r, "task"), 80), count, count == 1 ? "" : "s",
      block(frames));
}

std::string tasks_part(const nlohmann::json& stall) {
  const auto* tasks = json_field(stall, "tasks");
  if (!tasks || !tasks->is_array() || tasks->empty()) return {};
  std::string rows;
  std::size_t shown = 0;
  for (const auto& t : *tasks) {
    if (shown++ == kMaxTasksShown) break;
    const std::string stack = str(t, "stack");
    const auto depth = std::count(stack.begin(), stack.end(), '\n');
    rows += fmt::format(
        "<tr><td>{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td><details><summary>{} frame{}</summary><pre class=\"stack\">{}</pre></details></td>"
        "</tr>\n",
        text(str(t, "comm"), 64), json_int_field<long long>(t, "tid").value_or(-1),
        text(str(t, "role"), 32), text(str(t, "state"), 4), text(str(t, "wchan"), 128), depth,
        depth == 1 ? "" : "s", block(stack));
  }
  const std::string what = str(stall, "msg") == "stall" ? "no progress" : "a hung-task report";
  return fmt::format(
      "<h4>Tasks when the monitor fired ({}, {:.1f} s after the last progress)</h4>"
      "<table class=\"cells\"><tr><th>task</th><th>tid</th><th>role</th><th>state</th>"
      "<th>wchan</th><th>stack</th></tr>\n{}</table>\n",
      what, json_double_field(stall, "since_progress_s").value_or(0), rows);
}

// FUSE connections' queues and the tested memcg's usage and limit, one line each.
std::string state_part(const nlohmann::json& stall) {
  std::string out;
  if (const auto* conns = json_field(stall, "fuse_connections"); conns && conns->is_object()) {
    std::string items;
    for (const auto& [conn, v] : conns->items()) {
      if (!items.empty()) items += "; ";
      items += fmt::format("{}: waiting {}, max_background {}", text(conn, 24),
                           json_int_field<long long>(v, "waiting").value_or(-1),
                           json_int_field<long long>(v, "max_background").value_or(-1));
    }
    if (!items.empty()) out += "<p>FUSE connections: " + items + "</p>\n";
  }
  if (const auto* memcg = json_field(stall, "memcg"); memcg && memcg->is_object()) {
    std::string items = "path " + text(str(*memcg, "path"), 200);
    for (const char* f :
         {"memory.current", "memory.max", "memory.usage_in_bytes", "memory.limit_in_bytes"}) {
      if (auto v = json_string_field(*memcg, f)) {
        while (!v->empty() && (v->back() == '\n' || v->back() == ' ')) v->pop_back();
        items += fmt::format(", {} {}", f, text(*v, 40));
      }
    }
    out += "<p>Tested memcg: " + items + "</p>\n";
  }
  return out;
}

}  // namespace

std::string evidence_section(const RunSummary& run) {
  std::string out;
  for (const auto& c : run.cells) {
    if (!wants_dmesg_evidence(c.verdict)) continue;
    std::string body;
    if (const auto* r = fuselab::decisive_report(c)) body += report_part(*r);
    body += tasks_part(c.agent_stall) + state_part(c.agent_stall);
    if (body.empty()) body = "<p>No kernel report and no monitor evidence came back.</p>\n";
    out += fmt::format(
        "<section class=\"evidence\"><h3>{} <span class=\"meta\">{}: {}</span></h3>"
        "<div class=\"links\"><a href=\"{}\">dmesg.txt</a><a href=\"{}\">console.log</a></div>\n"
        "{}</section>\n",
        text(c.cell.id), to_string(c.verdict), text(c.reason, 300),
        cell_href(c.cell.id, "dmesg.txt"), cell_href(c.cell.id, "console.log"), body);
  }
  return out.empty() ? out : "<h2>Evidence</h2>\n" + out;
}

}  // namespace fuselab::html
