#include "oops_table.h"

#include <array>
#include <cstddef>

#include "console_limits.h"
#include "console_line.h"
#include "stack_frame.h"

namespace fuselab::console {
namespace {

using namespace std::string_view_literals;

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view drop_prefix(std::string_view s, std::string_view prefix) {
  return s.starts_with(prefix) ? s.substr(prefix.size()) : s;
}

std::string bounded(std::string_view s) { return std::string(trim(s.substr(0, kMaxTitleBytes))); }

// "Killed process 77 (dd) total-vm:..." / "Kill process 77 (dd) score 9": "dd:77".
std::string killed_task(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && is_digit(s[i])) ++i;
  std::string_view pid = s.substr(0, i);
  std::size_t open = s.find(" (", i);
  if (pid.empty() || open != i) return {};
  std::size_t close = s.find(") ", open);
  if (close == std::string_view::npos) close = s.rfind(')');
  if (close == std::string_view::npos || close <= open + 2) return {};
  return std::string(s.substr(open + 2, close - open - 2)) + ":" + std::string(pid);
}

// "dd:77" -> "(dd)", the title of an OOM kill. Appended, not `"(" + std::string&&`: GCC 12 at -O3
// reports a false -Wrestrict there (GCC bug 105329).
std::string oom_title(const std::string& task) {
  std::string title = "(";
  title.append(task, 0, task.rfind(':')).append(")");
  return title;
}

std::optional<HeaderMatch> match_hung_task(std::string_view text) {
  if (!text.starts_with("INFO: task ")) return std::nullopt;
  std::string_view rest = text.substr(11);
  for (auto form : {" blocked for more than "sv, " blocked in I/O wait for more than "sv}) {
    std::size_t at = rest.rfind(form);
    if (at == std::string_view::npos) continue;
    if (rest.find(" seconds", at + form.size()) == std::string_view::npos) continue;
    return HeaderMatch{{}, {}, bounded(rest.substr(0, at))};
  }
  return std::nullopt;
}

std::optional<HeaderMatch> match_soft_lockup(std::string_view text) {
  text = drop_prefix(text, "watchdog: ");
  if (!text.starts_with("BUG: soft lockup")) return std::nullopt;
  HeaderMatch m;
  std::size_t open = text.rfind('[');
  if (open != std::string_view::npos && text.back() == ']') {
    m.task = bounded(text.substr(open + 1, text.size() - open - 2));
  }
  return m;
}

// "watchdog: CPU0: Watchdog detected hard LOCKUP on cpu 1" (buddy detector: CPU0 saw CPU1 stuck,
// and the NMI backtrace of CPU1 follows), "watchdog: Watchdog detected hard LOCKUP on cpu 1" (perf
// NMI), "NMI watchdog: ..." (older kernels).
std::optional<HeaderMatch> match_hard_lockup(std::string_view text) {
  text = drop_prefix(drop_prefix(text, "NMI watchdog: "), "watchdog: ");
  if (text.starts_with("CPU")) {
    std::size_t colon = text.find(": ");
    if (colon > 8) return std::nullopt;  // npos (no colon) too
    text = text.substr(colon + 2);
  }
  if (!text.starts_with("Watchdog detected hard LOCKUP on cpu ")) return std::nullopt;
  return HeaderMatch{};
}

std::optional<HeaderMatch> match_rcu_stall(std::string_view text) {
  text = drop_prefix(text, "rcu: ");
  if (!text.starts_with("INFO: rcu_")) return std::nullopt;
  std::size_t detected = text.find("detected");
  if (detected == std::string_view::npos ||
      text.find("stall", detected) == std::string_view::npos) {
    return std::nullopt;
  }
  return HeaderMatch{};
}

std::optional<HeaderMatch> match_paging_request(std::string_view text) {
  if (text.starts_with("BUG: unable to handle page fault for address") ||
      text.starts_with("BUG: unable to handle kernel paging request")) {
    return HeaderMatch{};
  }
  return std::nullopt;
}

std::optional<HeaderMatch> match_null_deref(std::string_view text) {
  if (text.starts_with("BUG: kernel NULL pointer dereference") ||
      text.starts_with("BUG: unable to handle kernel NULL pointer dereference")) {
    return HeaderMatch{};
  }
  return std::nullopt;
}

// die(): "Oops: int3: 0000 [#1] PREEMPT SMP NOPTI" (6.9+), "int3: 0000 [#1] SMP" (older),
// "general protection fault, probably for non-canonical address 0x...: 0000 [#1] SMP".
std::optional<HeaderMatch> match_die(std::string_view text) {
  std::size_t at = text.find(" [#");
  if (at == std::string_view::npos || at < 4) return std::nullopt;
  std::size_t n = at + 3;
  while (n < text.size() && is_digit(text[n])) ++n;
  if (n == at + 3 || n >= text.size() || text[n] != ']') return std::nullopt;
  for (char c : text.substr(at - 4, 4)) {
    if (!is_hex(c)) return std::nullopt;
  }
  std::string_view head = text.substr(0, at - 4);
  if (head == "Oops: ") return HeaderMatch{"Oops"};  // die("Oops") of the page fault path
  if (!head.ends_with(": ")) return std::nullopt;
  std::string_view what = trim(drop_prefix(head.substr(0, head.size() - 2), "Oops: "));
  if (what.empty()) return std::nullopt;
  if (what == "Oops") return HeaderMatch{"Oops"};  // 6.9+: "Oops: Oops: 0000 [#1]"
  if (what.starts_with("general protection fault")) return HeaderMatch{"general protection fault"};
  if (what.starts_with("stack segment")) return HeaderMatch{"stack segment fault"};
  return HeaderMatch{"Oops: " + bounded(what)};
}

std::optional<HeaderMatch> match_kernel_bug_at(std::string_view text) {
  if (!text.starts_with("kernel BUG at ")) return std::nullopt;
  return HeaderMatch{bounded(text.substr(14))};
}

// Any other "BUG: <what>[: details]" (bad page state, sleeping in atomic, ...).
std::optional<HeaderMatch> match_bug(std::string_view text) {
  if (!text.starts_with("BUG: ")) return std::nullopt;
  std::string_view what = text.substr(5);
  std::size_t end = what.find_first_of(":,!(");
  if (end != std::string_view::npos) what = what.substr(0, end);
  for (auto cut : {" in process "sv, " at "sv}) {
    if (auto at = what.find(cut); at != std::string_view::npos) what = what.substr(0, at);
  }
  what = trim(what);
  if (what.empty()) return std::nullopt;
  return HeaderMatch{bounded(what)};
}

// "WARNING: CPU: 1 PID: 2 at fs/x.c:10 foo+0x1/0x2 [mod]" or "WARNING: fs/x.c:10 at foo+0x1/0x2,
// CPU#1: comm/2": the site names the report. Without one ("WARNING: possible circular locking
// dependency detected"), the text and the stack do.
std::optional<HeaderMatch> match_warning(std::string_view text) {
  if (!text.starts_with("WARNING: ")) return std::nullopt;
  std::string_view rest = text.substr(9);
  if (auto site = find_symbol(rest)) return HeaderMatch{{}, std::string(*site), {}};
  return HeaderMatch{bounded(rest)};
}

std::optional<HeaderMatch> match_panic(std::string_view text) {
  constexpr auto kPrefix = "Kernel panic - not syncing: "sv;
  if (!text.starts_with(kPrefix)) return std::nullopt;
  return HeaderMatch{bounded(text.substr(kPrefix.size()))};
}

std::optional<HeaderMatch> match_global_oom(std::string_view text) {
  for (auto prefix : {"Out of memory: Killed process "sv, "Out of memory: Kill process "sv}) {
    if (text.starts_with(prefix)) {
      std::string task = killed_task(text.substr(prefix.size()));
      return HeaderMatch{oom_title(task), {}, task};
    }
  }
  return std::nullopt;
}

std::optional<HeaderMatch> match_memcg_oom(std::string_view text) {
  constexpr auto kPrefix = "Memory cgroup out of memory: Killed process "sv;
  if (!text.starts_with(kPrefix)) return std::nullopt;
  std::string task = killed_task(text.substr(kPrefix.size()));
  return HeaderMatch{oom_title(task), {}, task};
}

constexpr std::array<std::string_view, 0> kNoSkip{};
constexpr std::array kStallSkip = {"apic_timer_interrupt"sv, "sysvec_"sv, "irqentry"sv,
                                   "watchdog"sv};
constexpr std::array kRcuSkip = {"rcu"sv, "apic_timer_interrupt"sv, "sysvec_"sv, "irqentry"sv,
                                 "nmi"sv};
constexpr std::array kOomSkip = {"oom"sv, "out_of_memory"sv, "dump_header"sv};

const OopsEntry kTable[] = {
    {ReportKind::HungTask, match_hung_task, "INFO: task hung in {frame}", "INFO: task hung",
     hung_task_frame, kNoSkip, ReportEnd::TaskEnd},
    {ReportKind::SoftLockup, match_soft_lockup, "BUG: soft lockup in {frame}", "BUG: soft lockup",
     stall_frame, kStallSkip, ReportEnd::TaskEnd, true},
    {ReportKind::HardLockup, match_hard_lockup, "BUG: hard lockup in {frame}", "BUG: hard lockup",
     stall_frame, kStallSkip, ReportEnd::TaskEnd, true},
    {ReportKind::RcuStall, match_rcu_stall, "INFO: rcu detected stall in {frame}",
     "INFO: rcu detected stall", stall_frame, kRcuSkip, ReportEnd::TaskEnd, true},
    {ReportKind::Oops, match_paging_request,
     "BUG: unable to handle kernel paging request in {frame}",
     "BUG: unable to handle kernel paging request", first_frame, kNoSkip, ReportEnd::TraceEnd},
    {ReportKind::Oops, match_null_deref,
     "BUG: unable to handle kernel NULL pointer dereference in {frame}",
     "BUG: unable to handle kernel NULL pointer dereference", first_frame, kNoSkip,
     ReportEnd::TraceEnd},
    {ReportKind::Oops, match_die, "{arg} in {frame}", "{arg}", first_frame, kNoSkip,
     ReportEnd::TraceEnd, false, true},
    {ReportKind::Bug, match_kernel_bug_at, "kernel BUG at {arg}", "kernel BUG at {arg}",
     first_frame, kNoSkip, ReportEnd::TraceEnd},
    {ReportKind::Bug, match_bug, "BUG: {arg} in {frame}", "BUG: {arg}", first_frame, kNoSkip,
     ReportEnd::TraceEnd},
    {ReportKind::Warning, match_warning, "WARNING in {frame}", "WARNING: {arg}", first_frame,
     kNoSkip, ReportEnd::TraceEnd},
    {ReportKind::Panic, match_panic, "kernel panic: {arg}", "kernel panic: {arg}", first_frame,
     kNoSkip, ReportEnd::TraceEnd, false, true},
    {ReportKind::Oom, match_global_oom, "Out of memory: Killed process {arg}",
     "Out of memory: Killed process {arg}", first_frame, kOomSkip, ReportEnd::Header, false, false,
     " invoked oom-killer: "},
    {ReportKind::MemcgOom, match_memcg_oom, "Memory cgroup out of memory: Killed process {arg}",
     "Memory cgroup out of memory: Killed process {arg}", first_frame, kOomSkip, ReportEnd::Header,
     false, false, " invoked oom-killer: "},
};

}  // namespace

std::span<const OopsEntry> oops_table() { return kTable; }

bool is_follow_up_panic(std::string_view text) {
  constexpr std::array kFollowUps = {
      "Fatal exception"sv,
      "panic_on_warn set"sv,
      "hung_task: blocked tasks"sv,
      "softlockup: hung tasks"sv,
      "RCU Stall"sv,
      "System is deadlocked on memory"sv,
      "Attempted to kill the idle task!"sv,
      "Attempted to kill init!"sv,
      "Aiee, killing interrupt handler!"sv,
      "kernel: panic_on_warn set"sv,
  };
  constexpr auto kPrefix = "Kernel panic - not syncing: "sv;
  if (!text.starts_with(kPrefix)) return false;
  text.remove_prefix(kPrefix.size());
  for (auto f : kFollowUps) {
    if (text.starts_with(f)) return true;
  }
  return false;
}

}  // namespace fuselab::console
