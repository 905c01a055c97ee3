// The `alloc_per_write_kib` knob: memory the server allocates and touches while it serves each
// FUSE_WRITE, so that the allocation is charged to the server's memcg and can enter direct
// reclaim while the pages being written back wait for this very reply (BACKGROUND.md).
#pragma once

#include <cstdint>
#include <string>

namespace fuselab::agent {

class WriteAllocator {
 public:
  // `mode` "mmap": a fresh anonymous mapping per write, touched page by page, unmapped (every
  // write faults new pages in). "malloc": malloc/touch/free, as a caching server would; glibc
  // may keep the freed memory, so later writes may not fault at all: that is the point.
  WriteAllocator(std::uint64_t kib, const std::string& mode)
      : bytes_(kib << 10), use_mmap_(mode != "malloc") {}

  bool enabled() const { return bytes_ != 0; }
  // Allocates, touches and frees; returns the bytes touched (0 if the allocation failed).
  std::uint64_t run() const;

 private:
  std::uint64_t bytes_;
  bool use_mmap_;
};

}  // namespace fuselab::agent
