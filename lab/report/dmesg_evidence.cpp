#include "report/dmesg_evidence.h"

#include <fmt/format.h>

#include <vector>

#include "common/json_fields.h"

namespace fuselab {
namespace {

using nlohmann::json;

// Lines of `text`, without their newlines; a last line without one counts too.
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(start, nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    start = nl + 1;
  }
  return lines;
}

// Guest text in a text file: printable ASCII, tabs and UTF-8 kept; other control bytes (a
// terminal's escape sequences) shown as \xNN. Newlines only where the text is multi-line (a
// file's content): in a one-line field a newline could forge a line of ours.
void append_clean(std::string& out, std::string_view text, bool keep_newlines = false) {
  for (unsigned char c : text) {
    if ((c >= 0x20 && c != 0x7f) || c == '\t' || (keep_newlines && c == '\n'))
      out += static_cast<char>(c);
    else
      out += fmt::format("\\x{:02x}", c);
  }
}

// A field as text whatever its type ("" when missing): guest JSON, shown, not trusted.
std::string text_field(const json& j, const char* key) {
  const json* v = json_field(j, key);
  if (v == nullptr) return "";
  return v->is_string() ? v->get<std::string>() : v->dump();
}

std::string number_field(const json& j, const char* key) {
  const json* v = json_field(j, key);
  return v != nullptr && v->is_number() ? v->dump() : "?";
}

void append_fuse_connections(std::string& out, const json& stall) {
  const json* conns = json_field(stall, "fuse_connections");
  out += "\n## FUSE connections (/sys/fs/fuse/connections)\n";
  if (conns == nullptr || !conns->is_object() || conns->empty()) {
    out += "none listed (fusectl not mounted, or no connection)\n";
    return;
  }
  out += fmt::format("{:>6} {:>8} {:>15} {:>21}\n", "conn", "waiting", "max_background",
                     "congestion_threshold");
  for (const auto& [conn, c] : conns->items()) {
    std::string line =
        fmt::format("{:>6} {:>8} {:>15} {:>21}", conn, number_field(c, "waiting"),
                    number_field(c, "max_background"), number_field(c, "congestion_threshold"));
    append_clean(out, line);
    out += "\n";
  }
}

void append_memcg(std::string& out, const json& stall) {
  const json* memcg_field = json_field(stall, "memcg");
  if (memcg_field == nullptr || !memcg_field->is_object()) {
    out += "\n## memcg\nno tested memcg in this cell (or an agent that does not report it)\n";
    return;
  }
  const json& memcg = *memcg_field;
  out += "\n## memcg ";
  append_clean(out, text_field(memcg, "path"));
  out += "\n";
  for (const auto& [name, value] : memcg.items()) {
    if (name == "path" || !value.is_string()) continue;
    out += "### ";
    append_clean(out, name);
    out += "\n";
    append_clean(out, value.get<std::string>(), /*keep_newlines=*/true);
    if (!value.get<std::string>().ends_with('\n')) out += "\n";
  }
}

void append_tasks(std::string& out, const json& stall) {
  out += "\n## tasks (the writer's and the server's threads, then every other task in D state)\n";
  const json* tasks = json_field(stall, "tasks");
  if (tasks == nullptr || !tasks->is_array() || tasks->empty()) {
    out += "none listed\n";
    return;
  }
  for (const auto& t : *tasks) {
    std::string head =
        fmt::format("{}/{} {} state {} role {} wchan {}", number_field(t, "pid"),
                    number_field(t, "tid"), text_field(t, "comm"), text_field(t, "state"),
                    text_field(t, "role"), text_field(t, "wchan"));
    append_clean(out, head);
    out += "\n";
    const std::string stack = text_field(t, "stack");  // split_lines returns views into it
    for (std::string_view frame : split_lines(stack)) {
      out += "    ";
      append_clean(out, frame);
      out += "\n";
    }
  }
}

// The agent's evidence as text, in the order a reader wants it.
std::string agent_evidence(const json& stall) {
  std::string out = "\n# ---- the agent's monitor when its watchdog fired ----\n";
  if (!stall.is_object()) {
    out += "The agent sent no stall or hang message: the console above is all there is.\n";
    return out;
  }
  std::string summary = fmt::format(
      "{} ({}) at guest time {} s; {} s since progress; bytes done {}, the server wrote {}, {} "
      "writes unanswered",
      text_field(stall, "msg"), text_field(stall, "reason"), number_field(stall, "t"),
      number_field(stall, "since_progress_s"), number_field(stall, "bytes_done"),
      number_field(stall, "server_bytes_written"), number_field(stall, "server_unanswered_writes"));
  append_clean(out, summary);
  out += "\n";
  if (std::string hung = text_field(stall, "hung_task"); !hung.empty()) {
    out += "hung task: ";
    append_clean(out, hung);
    out += "\n";
  }
  append_fuse_connections(out, stall);
  append_memcg(out, stall);
  append_tasks(out, stall);
  return out;
}

}  // namespace

bool wants_dmesg_evidence(Verdict verdict) {
  return verdict == Verdict::Hang || verdict == Verdict::Stall || verdict == Verdict::Crash ||
         verdict == Verdict::BootError;
}

bool wants_dmesg_evidence(const CellResult& result) {
  return wants_dmesg_evidence(result.verdict) || result.cell.monitor.evidence;
}

std::string dmesg_evidence_text(const CellResult& result, std::string_view console) {
  std::vector<std::string_view> lines = split_lines(console);
  // The firmware's lines (SeaBIOS, iPXE) come before the kernel's banner: left out.
  std::size_t first = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].find("Linux version ") != std::string_view::npos) {
      first = i;
      break;
    }
  }
  std::size_t report_line = 0;  // 1-based console line of the first report; 0: none
  std::string report_what;
  if (result.reports.is_array() && !result.reports.empty() && result.reports[0].is_object()) {
    const json& r = result.reports[0];
    report_line = json_int_field<std::size_t>(r, "first_line").value_or(0);
    report_what = text_field(r, "kind") + ": " + text_field(r, "title");
  }

  std::string out = fmt::format("# fuselab dmesg.txt: cell {}, verdict {}", result.cell.id,
                                to_string(result.verdict));
  if (!result.signature.empty()) {
    out += " (";
    append_clean(out, result.signature);
    out += ")";
  }
  out += fmt::format(
      "\n# The kernel log of the cell from console.log (console lines {}-{}; the firmware's before "
      "the kernel banner left out).\n",
      first + 1, lines.size());
  if (report_line > 0) {
    out += "# '>>>>' marks where the first report starts: console line " +
           std::to_string(report_line) + " (";
    append_clean(out, report_what);
    out += ").\n";
  } else {
    out += "# The console parser found no kernel report.\n";
  }

  // A log longer than the budget keeps its head (boot, the first reports) and its tail (the
  // latest state); the cut says which console lines it left out.
  const std::size_t half = (kMaxDmesgBytes - 256UL * 1024) / 2;  // room for the agent's part
  std::size_t head_end = first, tail_begin = lines.size(), bytes = 0;
  while (head_end < lines.size() && bytes + lines[head_end].size() + 1 <= half)
    bytes += lines[head_end++].size() + 1;
  bytes = 0;
  while (tail_begin > head_end && bytes + lines[tail_begin - 1].size() + 1 <= half)
    bytes += lines[--tail_begin].size() + 1;
  auto emit = [&](std::size_t i) {
    if (i + 1 == report_line)
      out += ">>>> first report (console line " + std::to_string(i + 1) + ")\n";
    append_clean(out, lines[i]);
    out += "\n";
  };
  for (std::size_t i = first; i < head_end; ++i) emit(i);
  if (tail_begin > head_end)
    out += fmt::format("[... fuselab: console lines {}-{} left out here: see console.log ...]\n",
                       head_end + 1, tail_begin);
  for (std::size_t i = tail_begin; i < lines.size(); ++i) emit(i);
  std::string evidence = agent_evidence(result.agent_stall);
  if (evidence.size() > kMaxDmesgBytes - std::min(out.size(), kMaxDmesgBytes))
    evidence.resize(kMaxDmesgBytes - std::min(out.size(), kMaxDmesgBytes));
  return out + evidence;
}

}  // namespace fuselab
