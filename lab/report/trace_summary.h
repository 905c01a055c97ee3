// The summary of a cell's trace.txt: the ftrace text the agent sent from the guest's
// ring. Per event, how many and when (first and last timestamp); per `_begin`/`_end` pair (memcg
// reclaim, direct reclaim), which tasks began without ending: on the deadlock, the server entered
// memcg reclaim and never came out. The text is guest output: every line, name and count is
// bounded, and what does not parse is counted, never trusted.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>

namespace fuselab {

inline constexpr std::size_t kMaxTraceBytes = 8UL << 20;  // what the agent sends at most

// {"lines", "events", "unparsed", "first_ts", "last_ts", "counts": {event: n},
//  "timeline": {event: {"first", "last"}}, "unfinished": [{"pair", "pid", "comm", "open",
//  "since", "open_s" (from since to the last event of the trace)}], "entries_in_buffer",
//  "entries_written", "lost_events"}. Only the first kMaxTraceBytes of `text` are read.
nlohmann::json summarize_trace(std::string_view text);

// One event line of ftrace's text output ("  comm-123  [001] d..1.  12.345678: name: ...").
struct TraceLine {
  std::string_view comm;
  long long pid = -1;
  double ts = 0;
  std::string_view event;
};
// False for a header, a comment or a line that is not an event line. Exposed for unit tests.
bool parse_trace_line(std::string_view line, TraceLine& out);

}  // namespace fuselab
