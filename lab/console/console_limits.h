// Bounds on what the console parser keeps: guest output is untrusted and may be garbage.
#pragma once

#include <cstddef>

namespace fuselab::console {

inline constexpr std::size_t kMaxLineBytes = 1024;      // longer lines are cut for matching
inline constexpr std::size_t kMaxReports = 256;         // reports kept per console log
inline constexpr std::size_t kMaxFrames = 64;           // frames kept per report
inline constexpr std::size_t kMaxReportLines = 400;     // a report never spans more lines
inline constexpr std::size_t kMaxExcerptBytes = 16384;  // excerpt text per report
inline constexpr std::size_t kMaxTitleBytes = 160;      // title text
inline constexpr std::size_t kOomLookbackLines = 400;   // "invoked oom-killer" to "Killed process"
inline constexpr std::size_t kPanicFollowUpLines = 60;  // "Fatal exception" panic after a report

}  // namespace fuselab::console
