// dmesg.txt: the first file a kernel developer opens for a failed cell. The kernel log of the
// cell as the serial console showed it, with a marker where the first report starts, followed by
// what the agent's monitor saw when its watchdog fired: every FUSE connection's queue, the tested
// memcg's state, and the blocked tasks with their stacks. Everything in it is guest output, so
// it is bounded and written as text, never interpreted.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "report/cell_result.h"

namespace fuselab {

// Written automatically for these verdicts (and on request for any).
bool wants_dmesg_evidence(Verdict verdict);
// ... and for any cell that asked for evidence (plan `evidence`, fuselab run --evidence).
bool wants_dmesg_evidence(const CellResult& result);

inline constexpr std::size_t kMaxDmesgBytes = 16UL << 20;

// The text of dmesg.txt for `result`, whose console log is `console`. At most kMaxDmesgBytes
// (the middle of a longer log is left out, and the cut says how much).
std::string dmesg_evidence_text(const CellResult& result, std::string_view console);

}  // namespace fuselab
