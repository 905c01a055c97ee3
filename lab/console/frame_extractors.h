// Choosing the frame that names a report, after syzkaller's pkg/report/linux.go: a common skip
// list for all reports, plus one extractor per report family.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fuselab::console {

// Picks the title frame from the report's reliable frames (top first); `skip` holds the
// entry's own skip substrings, applied with the common list. nullopt: no frame qualifies.
using FrameExtractor = std::optional<std::string> (*)(const std::vector<std::string>& frames,
                                                      std::span<const std::string_view> skip);

// The first frame not skipped.
std::optional<std::string> first_frame(const std::vector<std::string>& frames,
                                       std::span<const std::string_view> skip);

// Hung tasks: a task blocks at a random victim site, so synchronize_rcu/rtnl_lock waits group
// together, and scheduler, wait, lock and completion frames are skipped
// (folio_wait_writeback <- shrink_folio_list names "shrink_folio_list").
std::optional<std::string> hung_task_frame(const std::vector<std::string>& frames,
                                           std::span<const std::string_view> skip);

// Soft lockups and RCU stalls: the loop may be caught anywhere, so the frame just above a
// dispatch point (syscall entry, vfs_write, process_one_work, handle_mm_fault, ...) names it.
std::optional<std::string> stall_frame(const std::vector<std::string>& frames,
                                       std::span<const std::string_view> skip);

}  // namespace fuselab::console
