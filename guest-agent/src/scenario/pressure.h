// Memory pressure (spec `pressure`): a hog process in the tested memcg that maps, touches and
// holds anonymous memory for the whole workload. Without swap, touched anonymous memory cannot be
// reclaimed, so it shrinks what the group has left for the writer's page cache and the server's
// allocations to the rest of its limit: reclaim in that group starts that much sooner. Not
// mlocked: an mlocked hog would move its pages to the unevictable list and change what reclaim
// scans; plain anonymous memory is what a real co-tenant holds.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "channel/spec.h"
#include "util/children.h"
#include "util/shared_memory.h"

namespace fuselab::agent {

struct HogStats {
  std::atomic<std::uint64_t> touched{0};  // bytes touched so far
  std::atomic<int> ready{0};              // 1: all touched, holding
  std::atomic<int> oom_score_adj{0};      // read back after setting -1000
  SharedText<256> error;
  SharedText<256> cgroup;  // the group it joined, read back by itself
};

// The hog's size: hog_mib, or hog_percent of `limit_bytes` (the tested group's limit, or
// MemTotal when the group has none); 0 when the spec asks for no hog.
std::uint64_t hog_bytes(const PressureSpec& spec, std::uint64_t limit_bytes);

// MemTotal from /proc/meminfo, bytes; 0 if unreadable.
std::uint64_t mem_total_bytes();

class Hog {
 public:
  // Forks the hog; `enter` runs first in the child (joins the tested group). Waits until every
  // page is touched; throws AgentError(stage "pressure") if the hog dies or takes over 60 s.
  // `usage_file`: the tested group's charge (memory.current / memory.usage_in_bytes), read in
  // stop() as evidence that the hog's memory is charged there; "" when there is no group.
  Hog(std::uint64_t bytes, std::string basis, std::string usage_file, ChildReaper& reaper,
      const std::function<std::string()>& enter);
  Hog(const Hog&) = delete;
  Hog& operator=(const Hog&) = delete;
  ~Hog();

  pid_t pid() const { return pid_; }
  // Reads VmRSS while it still holds, then kills it. Call once the workload is over.
  void stop();
  // The result's `pressure.hog` object.
  nlohmann::json report() const;

 private:
  SharedObject<HogStats> stats_;
  ChildReaper& reaper_;
  std::uint64_t bytes_;
  std::string basis_;
  pid_t pid_ = -1;
  std::string usage_file_;
  std::uint64_t rss_kib_ = 0;
  long long group_usage_ = -1;
  std::string end_;  // "held to the end" or how it died
};

}  // namespace fuselab::agent
