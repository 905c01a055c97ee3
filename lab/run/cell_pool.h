// Runs cells on a few worker threads, in plan order, each cell on its own guest. How many at
// once is the caller's choice (default_jobs() suggests one from host CPUs and memory).
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "config/cell_spec.h"

namespace fuselab {

// As many cells as the host can run side by side without starving them: host CPUs over the
// largest cell's vCPUs, and free memory over the largest cell's memory plus QEMU's own. At least 1.
unsigned default_jobs(const Plan& plan);

// The most cells the packer may run at once: free memory over the largest cell's (as above),
// and twice the host CPUs (hung guests sleep, but each still has QEMU's threads). At least 1.
unsigned max_packed_jobs(const Plan& plan);

struct PoolProgress {
  size_t done = 0, running = 0, left = 0;
  double eta_s = -1;  // -1 until a cell has finished
};

// Calls run_one(i) for i in [0, count) on up to `jobs` threads, starting in index order and
// stopping to start new ones once `stop` is set. on_done(i) runs under a lock, with the progress.
// A task for which exclusive(i) is true runs alone: it starts when nothing else runs, and
// nothing starts beside it (a throughput figure must not share the CPUs with a neighbour).
// When `admit` is given, a task starts only once admit(i, running) says yes (it is asked again
// every 200 ms, also with running == 0); a CellPacker decides this from the host's idle CPU.
using PoolAdmit = std::function<bool(size_t next, size_t running)>;
void run_pool(size_t count, unsigned jobs, const std::atomic<bool>& stop,
              const std::function<void(size_t)>& run_one,
              const std::function<void(size_t, const PoolProgress&)>& on_done,
              const std::function<bool(size_t)>& exclusive = {}, const PoolAdmit& admit = {});

}  // namespace fuselab
