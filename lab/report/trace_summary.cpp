#include "report/trace_summary.h"

#include <charconv>
#include <map>
#include <string>
#include <utility>

namespace fuselab {
namespace {

constexpr std::size_t kMaxLineBytes = 4096;
constexpr std::size_t kMaxEvents = 256;     // distinct event names
constexpr std::size_t kMaxTasks = 4096;     // distinct pids per pair
constexpr std::size_t kMaxUnfinished = 64;  // listed in the summary
constexpr std::size_t kMaxComm = 64;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool all_digits(std::string_view s) {
  if (s.empty() || s.size() > 10) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

bool event_name(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  return true;
}

// "12.345678:" as seconds; false unless digits, one dot, digits and the colon.
bool timestamp(std::string_view s, double& out) {
  if (s.size() < 2 || s.size() > 24 || s.back() != ':') return false;
  s.remove_suffix(1);
  auto dot = s.find('.');
  if (dot == std::string_view::npos || !all_digits(s.substr(0, dot)) ||
      !all_digits(s.substr(dot + 1)))
    return false;
  return std::from_chars(s.data(), s.data() + s.size(), out).ec == std::errc();
}

// The next blank-separated token of `rest`, which is advanced past it.
std::string_view token(std::string_view& rest) {
  rest = trim(rest);
  auto end = rest.find_first_of(" \t");
  std::string_view t = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  return t;
}

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, kMaxComm)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

struct OpenTask {
  std::string comm;
  long long open = 0;
  double since = 0;
};

}  // namespace

bool parse_trace_line(std::string_view line, TraceLine& out) {
  if (line.size() > kMaxLineBytes || trim(line).starts_with("#")) return false;
  // The CPU field "[001]" ends the task; the task is "comm-pid", and comm may hold '-' and ' '.
  std::size_t open = line.find('[');
  while (open != std::string_view::npos) {
    std::size_t close = line.find(']', open);
    if (close == std::string_view::npos) return false;
    if (all_digits(line.substr(open + 1, close - open - 1))) break;
    open = line.find('[', close);
  }
  if (open == std::string_view::npos) return false;
  std::string_view task = trim(line.substr(0, open));
  std::size_t dash = task.rfind('-');
  if (dash == std::string_view::npos || !all_digits(task.substr(dash + 1))) return false;
  out.comm = task.substr(0, dash);
  std::from_chars(task.data() + dash + 1, task.data() + task.size(), out.pid);
  // Then the flags (absent without the irq-info option), the timestamp, the event's name.
  std::string_view rest = line.substr(line.find(']', open) + 1);
  for (int i = 0; i < 3; ++i) {
    std::string_view t = token(rest);
    if (timestamp(t, out.ts)) {
      std::string_view name = token(rest);
      if (name.size() < 2 || name.back() != ':') return false;
      name.remove_suffix(1);
      if (!event_name(name)) return false;
      out.event = name;
      return true;
    }
  }
  return false;
}

nlohmann::json summarize_trace(std::string_view text) {
  text = text.substr(0, kMaxTraceBytes);
  std::map<std::string, std::pair<long long, std::pair<double, double>>, std::less<>> events;
  std::map<std::string, std::map<long long, OpenTask>, std::less<>> pairs;  // stem -> pid -> task
  long long lines = 0, parsed = 0, unparsed = 0, lost = 0;
  nlohmann::json in_buffer, written;
  double first = 0, last = 0;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (trim(line).empty()) continue;
    ++lines;
    // "# entries-in-buffer/entries-written: 41201/90017   #P:2": how much the ring overwrote.
    if (auto at = line.find("entries-in-buffer/entries-written: "); at != line.npos) {
      std::string_view nums = line.substr(at + 35);
      long long a = -1, b = -1;
      auto r = std::from_chars(nums.data(), nums.data() + nums.size(), a);
      if (r.ec == std::errc() && r.ptr < nums.data() + nums.size() && *r.ptr == '/')
        std::from_chars(r.ptr + 1, nums.data() + nums.size(), b);
      if (a >= 0) in_buffer = a;
      if (b >= 0) written = b;
      continue;
    }
    // "CPU:1 [LOST 42 EVENTS]"
    if (auto at = line.find("[LOST "); at != line.npos) {
      long long n = 0;
      std::string_view nums = line.substr(at + 6);
      if (std::from_chars(nums.data(), nums.data() + nums.size(), n).ec == std::errc() && n > 0)
        lost += n;
      continue;
    }
    TraceLine t;
    if (!parse_trace_line(line, t)) {
      if (!trim(line).starts_with("#")) ++unparsed;
      continue;
    }
    ++parsed;
    if (parsed == 1) first = t.ts;
    last = t.ts;
    auto it = events.find(t.event);
    if (it == events.end()) {
      if (events.size() >= kMaxEvents) continue;
      it = events.emplace(std::string(t.event), std::make_pair(0LL, std::make_pair(t.ts, t.ts)))
               .first;
    }
    ++it->second.first;
    it->second.second.second = t.ts;
    // A begin opens, an end closes, per task: what is still open at the end never finished.
    for (std::string_view suffix : {std::string_view("_begin"), std::string_view("_end")}) {
      if (!t.event.ends_with(suffix)) continue;
      std::string_view stem = t.event.substr(0, t.event.size() - suffix.size());
      auto& tasks = pairs[std::string(stem)];
      auto task = tasks.find(t.pid);
      if (task == tasks.end()) {
        if (tasks.size() >= kMaxTasks) break;
        task = tasks.emplace(t.pid, OpenTask{}).first;
      }
      if (suffix == "_begin") {
        if (task->second.open == 0) task->second.since = t.ts;
        task->second.open = std::min(task->second.open + 1, 1000000LL);
        task->second.comm = printable(t.comm);
      } else if (task->second.open > 0) {
        --task->second.open;
      }
    }
  }
  nlohmann::json counts = nlohmann::json::object(), timeline = nlohmann::json::object();
  for (const auto& [name, v] : events) {
    counts[name] = v.first;
    timeline[name] = {{"first", v.second.first}, {"last", v.second.second}};
  }
  nlohmann::json unfinished = nlohmann::json::array();
  for (const auto& [stem, tasks] : pairs) {
    // Only real pairs: an event called "*_end" alone (no begin seen) opens nothing.
    if (!events.contains(stem + "_begin")) continue;
    for (const auto& [pid, task] : tasks) {
      if (task.open == 0 || unfinished.size() >= kMaxUnfinished) continue;
      unfinished.push_back({{"pair", stem + "_begin/_end"},
                            {"pid", pid},
                            {"comm", task.comm},
                            {"open", task.open},
                            {"since", task.since},
                            {"open_s", last - task.since}});
    }
  }
  return {{"lines", lines},
          {"events", parsed},
          {"unparsed", unparsed},
          {"first_ts", parsed ? nlohmann::json(first) : nlohmann::json()},
          {"last_ts", parsed ? nlohmann::json(last) : nlohmann::json()},
          {"counts", counts},
          {"timeline", timeline},
          {"unfinished", unfinished},
          {"entries_in_buffer", in_buffer},
          {"entries_written", written},
          {"lost_events", lost}};
}

}  // namespace fuselab
