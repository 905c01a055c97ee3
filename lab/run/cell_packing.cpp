#include "run/cell_packing.h"

#include <algorithm>

namespace fuselab {

bool CellPacker::may_start(Clock::time_point now, const std::optional<CpuTimes>& reading,
                           unsigned vcpus, size_t running) {
  auto start = [&] {
    last_start_ = now;
    samples_.clear();
    return true;
  };
  if (running < std::max(1u, rules_.room_jobs)) return start();
  if (running >= rules_.max_jobs || !reading) return false;
  samples_.push_back({now, *reading});
  if (!last_start_ || now - *last_start_ < rules_.settle) return false;
  // Keep the newest sample that is at least a window old as the baseline.
  while (samples_.size() > 2 && now - samples_[1].at >= rules_.window) samples_.pop_front();
  const Sample& base = samples_.front();
  if (now - base.at < rules_.window) return false;
  auto idle = idle_cores(base.times, *reading, rules_.cpus);
  if (!idle) return false;
  last_idle_ = *idle;
  double needed = std::min<double>(vcpus, rules_.cpus) * rules_.idle_per_vcpu;
  return *idle >= needed ? start() : false;
}

}  // namespace fuselab
