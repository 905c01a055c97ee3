// The table of console reports: what line opens each, how it is titled, which frame names it and
// where it ends. Modelled on syzkaller's `oops{header, formats}` (pkg/report/linux.go) but with
// hand-written header matchers instead of regular expressions: guest output is untrusted and
// every line goes through every matcher, so each one is a bounded, linear scan.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "frame_extractors.h"
#include "kernel_report.h"

namespace fuselab::console {

// What a header line says about its report.
struct HeaderMatch {
  std::string arg;    // substituted for "{arg}" in the title template
  std::string frame;  // a frame the header itself names (WARNING site); wins over the stack
  std::string task;   // "comm:pid" when the header names a task
};

enum class ReportEnd {
  TaskEnd,   // the "</TASK>" closing the first call trace
  TraceEnd,  // a "---[ end trace ... ]---" / "---[ end Kernel panic ... ]---" line
  Header,    // the header line is the whole report (OOM kills, whose stack came before)
};

struct OopsEntry {
  ReportKind kind;
  std::optional<HeaderMatch> (*match)(std::string_view text);
  std::string_view title;           // template with "{arg}" and "{frame}"
  std::string_view title_no_frame;  // used when no frame qualifies
  FrameExtractor extractor;
  std::span<const std::string_view> skip;  // the entry's own skip substrings
  ReportEnd end;
  bool skip_irq_frames = false;  // frames between <IRQ>/<NMI> and their end are not the stall
  bool absorbed = false;         // inside an open report this line continues it (die lines)
  std::string_view lookback;     // the report starts at the latest earlier line containing this
};

// The entries in match order (first match wins).
std::span<const OopsEntry> oops_table();

// A "Kernel panic - not syncing" message that only says an earlier report killed the kernel
// ("Fatal exception", "hung_task: blocked tasks", ...): it belongs to that report.
bool is_follow_up_panic(std::string_view text);

}  // namespace fuselab::console
