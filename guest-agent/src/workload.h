// Workloads: what the writer process does to the mounted file system. The writer reports
// through shared memory, so the agent can send progress while it runs and read its result after.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "shared_memory.h"
#include "spec.h"

namespace fuselab::agent {

struct WorkloadStats {
  std::atomic<std::uint64_t> bytes_done{0};     // written so far (progress)
  std::atomic<std::uint64_t> bytes_written{0};  // final count, set when the workload ends
  std::atomic<std::uint64_t> elapsed_ns{0};     // open to close, fsync included
  SharedText<512> error;                        // why it failed, if it did
  SharedText<256> cgroup;                       // the group it joined, read back by itself
};

// Names accepted by spec `workload.kind`.
std::vector<std::string> workload_kinds();

// Runs the workload on the file system mounted at `mountpoint`. Returns 0 on success, 1 on
// failure (reason in stats.error). Runs in the writer child process.
int run_workload(const WorkloadSpec& spec, const std::string& mountpoint, WorkloadStats& stats);

}  // namespace fuselab::agent
