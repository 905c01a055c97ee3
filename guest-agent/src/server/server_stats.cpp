#include "server/server_stats.h"

#include <bit>

namespace fuselab::agent {

const char* op_name(Op op) {
  static constexpr const char* kNames[] = {
      "init", "destroy", "lookup", "forget", "batch_forget", "getattr", "setattr", "create",
      "open", "read",    "write",  "flush",  "fsync",        "release", "unlink",  "statfs",
  };
  static_assert(std::size(kNames) == ServerStats::kOps);
  return kNames[static_cast<unsigned>(op)];
}

void LatencyHistogram::record(std::uint64_t ns) {
  unsigned bucket = 0;
  if (ns != 0) {
    unsigned e = static_cast<unsigned>(std::bit_width(ns)) - 1;
    unsigned m = e >= 2 ? static_cast<unsigned>((ns >> (e - 2)) & 3) : 0;
    bucket = 4 * e + m;
  }
  buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  std::uint64_t seen = max_ns.load(std::memory_order_relaxed);
  while (ns > seen && !max_ns.compare_exchange_weak(seen, ns, std::memory_order_relaxed)) {
  }
}

std::uint64_t LatencyHistogram::quantile_ns(double q) const {
  std::uint64_t total = 0;
  for (const auto& b : buckets) total += b.load(std::memory_order_relaxed);
  if (total == 0) return 0;
  auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total) + 0.999999);
  std::uint64_t seen = 0;
  for (unsigned i = 0; i < kBuckets; ++i) {
    seen += buckets[i].load(std::memory_order_relaxed);
    if (seen < rank) continue;
    unsigned e = i / 4, m = i % 4;
    std::uint64_t upper = e < 2 ? (2ull << e) - 1 : ((5ull + m) << (e - 2)) - 1;
    return std::min(upper, max_ns.load(std::memory_order_relaxed));
  }
  return max_ns.load(std::memory_order_relaxed);
}

RequestTimer::~RequestTimer() {
  if (dropped_) return;
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start_).count();
  stats_.latency[static_cast<unsigned>(op_)].record(static_cast<std::uint64_t>(ns));
}

std::map<std::string, std::uint64_t> ServerStats::request_counts() const {
  std::map<std::string, std::uint64_t> counts;
  for (unsigned i = 0; i < kOps; ++i) {
    std::uint64_t n = requests[i].load(std::memory_order_relaxed);
    if (n != 0) counts[op_name(static_cast<Op>(i))] = n;
  }
  return counts;
}

}  // namespace fuselab::agent
