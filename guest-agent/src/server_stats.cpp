#include "server_stats.h"

namespace fuselab::agent {

const char* op_name(Op op) {
  static constexpr const char* kNames[] = {
      "init", "destroy", "lookup", "forget", "batch_forget", "getattr", "setattr", "create",
      "open", "read",    "write",  "flush",  "fsync",        "release", "unlink",  "statfs",
  };
  static_assert(std::size(kNames) == ServerStats::kOps);
  return kNames[static_cast<unsigned>(op)];
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
