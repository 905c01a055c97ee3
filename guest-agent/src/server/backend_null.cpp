// The null backend: accepts every write and keeps nothing (the server keeps the file size), reads
// return zeros. It measures the FUSE path itself: no data copy, no backing store.
#include <fcntl.h>

#include <cerrno>

#include "server/backend.h"

namespace fuselab::agent {
namespace {

// Zeros for read replies. With writeback cache the kernel reads before a partial-page write, so
// reads do happen. Untouched .bss: costs no memory. 1 MiB is the largest request libfuse's
// default buffer (FUSE_MAX_MAX_PAGES pages) lets the kernel send.
char zeros[1 << 20];

class NullBackend final : public Backend {
 public:
  long write(fuse_ino_t, off_t, fuse_bufvec& data) override { return discard_payload(data); }

  ReadData read(fuse_ino_t, off_t, std::size_t size) override {
    if (size > sizeof(zeros)) return ReadData{EIO, nullptr, 0, nullptr};
    return ReadData{0, zeros, size, nullptr};
  }

  int truncate(fuse_ino_t, std::uint64_t) override { return 0; }
  int fsync(fuse_ino_t) override { return 0; }
  void forget(fuse_ino_t) override {}
};

}  // namespace

long discard_payload(fuse_bufvec& data) {
  std::size_t size = fuse_buf_size(&data);
  // In memory (no splice): the bytes are simply dropped.
  if (!(data.buf[data.idx].flags & FUSE_BUF_IS_FD)) return static_cast<long>(size);
  // A pipe (splice on): drain it into /dev/null with splice, page references only, no copy.
  // Opened once per process; never closed (lives as long as the server).
  static const int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (devnull < 0) return -EIO;
  fuse_bufvec sink = one_buffer(size);
  sink.buf[0].flags = FUSE_BUF_IS_FD;
  sink.buf[0].fd = devnull;
  ssize_t n = fuse_buf_copy(&sink, &data, FUSE_BUF_SPLICE_MOVE);
  return static_cast<long>(n);
}

std::unique_ptr<Backend> make_null_backend(const ServerSpec&) {
  return std::make_unique<NullBackend>();
}

}  // namespace fuselab::agent
