// The null backend: accepts every write and keeps nothing (the server keeps the file size), reads
// return zeros. It measures the FUSE path itself: no data copy, no backing store.
#include <cerrno>

#include "backend.h"

namespace fuselab::agent {
namespace {

// Zeros for read replies. With writeback cache the kernel reads before a partial-page write, so
// reads do happen. Untouched .bss: costs no memory. 1 MiB is the largest request libfuse's
// default buffer (FUSE_MAX_MAX_PAGES pages) lets the kernel send.
char zeros[1 << 20];

class NullBackend final : public Backend {
 public:
  long write(fuse_ino_t, off_t, fuse_bufvec& data) override {
    // Splice is off (see fuse_ops.cpp init), so the payload is already in memory: nothing to
    // drain, the bytes are simply dropped.
    return static_cast<long>(fuse_buf_size(&data));
  }

  ReadData read(fuse_ino_t, off_t, std::size_t size) override {
    if (size > sizeof(zeros)) return ReadData{EIO, nullptr, 0};
    return ReadData{0, zeros, size};
  }

  int truncate(fuse_ino_t, std::uint64_t) override { return 0; }
  int fsync(fuse_ino_t) override { return 0; }
  void forget(fuse_ino_t) override {}
};

}  // namespace

std::unique_ptr<Backend> make_null_backend(const ServerSpec&) {
  return std::make_unique<NullBackend>();
}

}  // namespace fuselab::agent
