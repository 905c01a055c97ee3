// What the FUSE server counts, in shared memory (written by the server process, read by the
// agent): requests per opcode with a latency histogram each, bytes accepted by FUSE_WRITE, the
// negotiated capabilities, what the server verified about itself (IO_FLUSHER).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <string>

#include "util/clock.h"
#include "util/shared_memory.h"

namespace fuselab::agent {

// The operations the server implements; the kernel's names, lower case.
enum class Op : unsigned {
  init,
  destroy,
  lookup,
  forget,
  batch_forget,
  getattr,
  setattr,
  create,
  open,
  read,
  write,
  flush,
  fsync,
  release,
  unlink,
  statfs,
  count_,
};

const char* op_name(Op op);

// Request latencies in nanoseconds, log-linear: bucket 4*e + m holds values whose highest set
// bit is e and whose next two bits are m, so a quantile read from it is at most 25 % high. Lock
// free, fixed size: it lives in shared memory and is updated on the write path.
struct LatencyHistogram {
  static constexpr unsigned kBuckets = 64 * 4;
  std::atomic<std::uint64_t> buckets[kBuckets] = {};
  std::atomic<std::uint64_t> max_ns{0};

  void record(std::uint64_t ns);
  // The upper bound of the bucket holding quantile q (0 < q <= 1) of the recorded values.
  std::uint64_t quantile_ns(double q) const;
};

struct ServerStats {
  static constexpr unsigned kOps = static_cast<unsigned>(Op::count_);

  std::atomic<std::uint64_t> requests[kOps] = {};
  LatencyHistogram latency[kOps];                   // handler entry to reply, per opcode
  std::atomic<std::uint64_t> bytes_written{0};      // sum of sizes of successful FUSE_WRITE
  std::atomic<std::uint64_t> unanswered_writes{0};  // FUSE_WRITEs the stall backend holds
  std::atomic<std::uint64_t> alloc_bytes{0};        // touched by alloc_per_write_kib, in total
  std::atomic<int> init_done{0};                    // FUSE_INIT answered
  std::atomic<int> writeback_cache{0};              // FUSE_CAP_WRITEBACK_CACHE negotiated
  std::atomic<int> splice{0};                       // FUSE_CAP_SPLICE_READ negotiated
  std::atomic<std::uint32_t> max_write{0};          // negotiated max_write (bytes)
  std::atomic<int> io_flusher{-1};                  // PR_GET_IO_FLUSHER in the serving thread(s)
  SharedText<512> error;                            // why the server process failed, if it did
  SharedText<256> cgroup;                           // the group it joined, read back by itself

  void count(Op op) { requests[static_cast<unsigned>(op)].fetch_add(1, std::memory_order_relaxed); }

  // Opcode name -> count, non-zero counts only (the `server_requests` of a result).
  std::map<std::string, std::uint64_t> request_counts() const;
};

// Counts one request and, unless dropped, records its latency when it goes out of scope (after
// the handler's reply). One per handler, first statement.
class RequestTimer {
 public:
  RequestTimer(ServerStats& stats, Op op) : stats_(stats), op_(op), start_(Clock::now()) {
    stats_.count(op);
  }
  RequestTimer(const RequestTimer&) = delete;
  RequestTimer& operator=(const RequestTimer&) = delete;
  ~RequestTimer();
  // A request that is never answered has no latency.
  void drop() { dropped_ = true; }

 private:
  ServerStats& stats_;
  Op op_;
  Clock::time_point start_;
  bool dropped_ = false;
};

}  // namespace fuselab::agent
