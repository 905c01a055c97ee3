// One cell: start the FUSE server, run the workload against it while sending progress, stop the
// server, check what it counted against what was written, report. The same code runs in the
// guest (stage 2) and on the host (`local`).
#pragma once

#include <string>

#include "channel/channel.h"
#include "channel/spec.h"
#include "util/children.h"

namespace fuselab::agent {

// Sends `progress` at least every second while the workload runs, then `result` (preceded by
// `error` messages for whatever went wrong), or only `error` if the server could not mount.
// Returns true when the result is ok. Channel failures throw AgentError(stage "channel").
// `trace`: record the cell's ftrace events (the guest only; `local` leaves the host's alone).
bool run_scenario(const Spec& spec, const std::string& mountpoint, Channel& channel,
                  ChildReaper& reaper, bool trace = false);

}  // namespace fuselab::agent
