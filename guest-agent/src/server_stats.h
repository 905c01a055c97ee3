// What the FUSE server counts, in shared memory (written by the server process, read by the
// agent): requests per opcode, bytes accepted by FUSE_WRITE, the negotiated capabilities.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <string>

#include "shared_memory.h"

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

struct ServerStats {
  static constexpr unsigned kOps = static_cast<unsigned>(Op::count_);

  std::atomic<std::uint64_t> requests[kOps] = {};
  std::atomic<std::uint64_t> bytes_written{0};  // sum of sizes of successful FUSE_WRITE
  std::atomic<int> init_done{0};                // FUSE_INIT answered
  std::atomic<int> writeback_cache{0};          // FUSE_CAP_WRITEBACK_CACHE negotiated
  SharedText<512> error;                        // why the server process failed, if it did

  void count(Op op) { requests[static_cast<unsigned>(op)].fetch_add(1, std::memory_order_relaxed); }

  // Opcode name -> count, non-zero counts only (the `server_requests` of a result).
  std::map<std::string, std::uint64_t> request_counts() const;
};

}  // namespace fuselab::agent
