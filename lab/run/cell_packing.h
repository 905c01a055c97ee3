// When the cell pool may start a guest beside running ones. Cells run one at a time unless the
// host has the room: under TCG a booting or writing guest keeps host cores busy, while a hung or
// livelocked one mostly sleeps, waiting out its stall or evidence time. So the packer starts
// another cell only once the host has been measurably idle (from /proc/stat) for a while since
// the last start, by at least most of the next cell's vCPUs. A busy neighbour is never added, so a
// cell's progress, and with it its verdict, is the same as when it runs alone.
#pragma once

#include <chrono>
#include <deque>
#include <optional>

#include "common/host_cpu.h"

namespace fuselab {

struct PackingRules {
  unsigned cpus = 1;       // host CPUs online
  unsigned room_jobs = 1;  // cells the host has room for anyway (default_jobs): no measuring
  unsigned max_jobs = 1;   // never more cells at once (memory, and a cap on the host's threads)
  // A new guest's boot takes a while to show in the idle time: no decision this soon after a start.
  std::chrono::milliseconds settle{4000};
  // The idle time is measured over this much of the recent past, and it must all be after the
  // last start (settle >= window).
  std::chrono::milliseconds window{2000};
  // Idle cores needed, per vCPU of the next cell (capped at the host's CPUs).
  double idle_per_vcpu = 0.75;
};

class CellPacker {
 public:
  using Clock = std::chrono::steady_clock;
  explicit CellPacker(PackingRules rules) : rules_(rules) {}

  // Whether a cell with `vcpus` may start now beside `running` cells, given a fresh reading of
  // the host's CPU times (nullopt when /proc/stat could not be read: then nothing is packed
  // beyond room_jobs).
  // A true answer counts as a start.
  bool may_start(Clock::time_point now, const std::optional<CpuTimes>& reading, unsigned vcpus,
                 size_t running);

  // The idle cores of the last decision that had a full window (for the log), or nullopt.
  std::optional<double> last_idle_cores() const { return last_idle_; }

 private:
  struct Sample {
    Clock::time_point at;
    CpuTimes times;
  };
  PackingRules rules_;
  std::deque<Sample> samples_;  // readings since the last start, oldest first
  std::optional<Clock::time_point> last_start_;
  std::optional<double> last_idle_;
};

}  // namespace fuselab
