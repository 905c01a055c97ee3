// Kernel reports found in a guest's serial console: the public face of the console parser.
// The parser is table-driven (oops_table.cpp) in the manner of syzkaller's pkg/report, and its
// titles follow syzkaller's so that a fuselab title can be compared with a syzbot one.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace fuselab {

// Closed list: every console report the lab classifies is one of these.
enum class ReportKind {
  HungTask,    // "INFO: task NAME:PID blocked [in I/O wait ]for more than N seconds."
  SoftLockup,  // "watchdog: BUG: soft lockup - CPU#N stuck for Ns! [NAME:PID]"
  HardLockup,  // "watchdog: CPU0: Watchdog detected hard LOCKUP on cpu 1" (buddy) or without "CPU0:
               // "
  RcuStall,    // "rcu: INFO: rcu_preempt self-detected stall on CPU" and friends
  Oops,        // die(): "Oops: int3: 0000 [#1]", general protection fault, unable to handle page
  Bug,         // "kernel BUG at FILE:LINE!" and other "BUG: ..." lines
  Warning,     // "WARNING: CPU: N PID: N at FILE:LINE func+off/size"
  Panic,       // "Kernel panic - not syncing: ..." not explained by an earlier report
  Oom,         // global OOM killer: "Out of memory: Killed process N (comm)"
  MemcgOom,    // "Memory cgroup out of memory: Killed process N (comm)"
};

std::string_view to_string(ReportKind kind);

// True for kinds that mean the kernel misbehaved. An OOM kill is an event the test may have
// provoked on purpose (a memcg limit is how the lab makes memory pressure), not a kernel bug.
bool is_kernel_failure(ReportKind kind);

struct KernelReport {
  ReportKind kind;
  // syzkaller-style title: "INFO: task hung in shrink_folio_list", "WARNING in foo",
  // "BUG: unable to handle kernel paging request in bar", "kernel panic: Fatal exception".
  std::string title;
  // Reliable frames of the report's main stack, top first ("? " frames dropped), at most
  // kMaxFrames. Includes scheduler/wait frames; only the title skips them.
  std::vector<std::string> frames;
  // 1-based line numbers in the console log, inclusive.
  std::size_t first_line = 0;
  std::size_t last_line = 0;
  // The report's console lines (timestamps kept), at most kMaxExcerptBytes.
  std::string excerpt;
  // "comm:pid" of the task the report is about, when the kernel names one; else empty.
  std::string task;
  // Why the report is incomplete, empty if it reached its end marker (---[ end trace ]---,
  // </TASK>): "end of log" (the console stopped mid-report: a guest killed, a log cut) or
  // "line limit" (kMaxReportLines). Its frames and title may then miss what came after.
  std::string truncated;
};

// A title as syzkaller forms them: source line numbers and addresses replaced
// ("kernel BUG at mm/filemap.c:1551!" -> "kernel BUG at mm/filemap.c:LINE!",
// "in: foo+0x4d/0x50" -> "in: foo", "0xffff..." -> "ADDR"), so a signature holds across kernels.
std::string normalize_title(std::string_view title);

// Every report in `log`, in console order. Never throws on malformed input; linear in its size.
std::vector<KernelReport> parse_console(std::string_view log);

// Whether two reports are "for the same thing": same kind and title, and for hung tasks and OOM
// kills the same task (the hung-task detector repeats its report every check interval).
bool same_report(const KernelReport& a, const KernelReport& b);

struct ReportGroup {
  KernelReport first;         // the earliest report of the group
  std::size_t count = 0;      // how many reports the group holds (1 = seen once)
  std::size_t last_line = 0;  // last console line of the latest report
};

// Reports folded with same_report(), in order of first appearance.
std::vector<ReportGroup> group_reports(const std::vector<KernelReport>& reports);

}  // namespace fuselab
