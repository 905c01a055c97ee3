#include "run/cell_pool.h"

#include <sys/sysinfo.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace fuselab {

namespace {

struct HostRoom {
  unsigned by_cpu, by_memory, cpus;
};

HostRoom host_room(const Plan& plan) {
  unsigned vcpus = 1, memory_mib = 128;
  for (const auto& c : plan.cells) {
    vcpus = std::max(vcpus, c.vcpus);
    memory_mib = std::max(memory_mib, c.memory_mib);
  }
  long cpus = std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN));
  struct sysinfo info {};
  ::sysinfo(&info);
  unsigned long long free_mib =
      (static_cast<unsigned long long>(info.freeram) + info.bufferram) * info.mem_unit >> 20;
  return {static_cast<unsigned>(std::max(1L, cpus / static_cast<long>(vcpus))),
          static_cast<unsigned>(std::max(1ULL, free_mib / (memory_mib + 256ULL))),
          static_cast<unsigned>(cpus)};
}

}  // namespace

unsigned default_jobs(const Plan& plan) {
  auto room = host_room(plan);
  return std::max(1u, std::min(room.by_cpu, room.by_memory));
}

unsigned max_packed_jobs(const Plan& plan) {
  auto room = host_room(plan);
  return std::max(1u, std::min(2 * room.cpus, room.by_memory));
}

void run_pool(size_t count, unsigned jobs, const std::atomic<bool>& stop,
              const std::function<void(size_t)>& run_one,
              const std::function<void(size_t, const PoolProgress&)>& on_done,
              const std::function<bool(size_t)>& exclusive, const PoolAdmit& admit) {
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  std::mutex mutex;  // guards next, progress, exclusive_running, and on_done
  std::condition_variable changed;
  size_t next = 0;
  bool exclusive_running = false;
  PoolProgress progress{0, 0, count, -1};

  auto worker = [&] {
    while (true) {
      size_t i;
      bool alone = false;
      {
        std::unique_lock lock(mutex);
        // Wait while an exclusive cell runs, or while the next cell is exclusive and others run.
        // The timeout re-checks `stop`, which a signal handler sets without notifying.
        while (true) {
          if (next >= count || stop) return;
          alone = exclusive && exclusive(next);
          if (!exclusive_running && (!alone || progress.running == 0) &&
              (!admit || admit(next, progress.running)))
            break;
          changed.wait_for(lock, std::chrono::milliseconds(200));
        }
        i = next++;
        exclusive_running = alone;
        ++progress.running;
        --progress.left;
      }
      run_one(i);
      std::lock_guard lock(mutex);
      if (alone) exclusive_running = false;
      changed.notify_all();
      --progress.running;
      ++progress.done;
      double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
      // Wall time per finished cell already counts the cells that ran at once: dividing by the
      // workers again made a packed run's ETA 4x too short (max_jobs workers, mostly waiting).
      double per_cell = elapsed / static_cast<double>(progress.done);
      progress.eta_s = per_cell * static_cast<double>(progress.left + progress.running);
      on_done(i, progress);
    }
  };
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < std::max(1u, std::min<unsigned>(jobs, static_cast<unsigned>(count)));
       ++t) {
    threads.emplace_back(worker);
  }
  for (auto& t : threads) t.join();
}

}  // namespace fuselab
