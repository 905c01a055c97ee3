// The stall backend, a known-positive control: behaves like null until `stall_after_bytes` have
// been accepted, then never answers another FUSE_WRITE. Everything else (lookup, getattr, read,
// flush...) is still answered, so only writeback stops: any kernel must then show blocked
// writers, whatever its reclaim code does.
#include <atomic>

#include "server/backend.h"

namespace fuselab::agent {
namespace {

class StallBackend final : public Backend {
 public:
  explicit StallBackend(std::uint64_t limit)
      : null_(make_null_backend(ServerSpec{})), limit_(limit) {}

  long write(fuse_ino_t ino, off_t off, fuse_bufvec& data) override {
    // A write that starts below the limit is accepted whole: the stall begins at the first
    // request at or past it.
    std::uint64_t size = fuse_buf_size(&data);
    if (accepted_.fetch_add(size, std::memory_order_relaxed) >= limit_) return kNoReply;
    return null_->write(ino, off, data);
  }

  ReadData read(fuse_ino_t ino, off_t off, std::size_t size) override {
    return null_->read(ino, off, size);
  }
  int truncate(fuse_ino_t ino, std::uint64_t size) override { return null_->truncate(ino, size); }
  int fsync(fuse_ino_t ino) override { return null_->fsync(ino); }
  void forget(fuse_ino_t ino) override { null_->forget(ino); }

 private:
  std::unique_ptr<Backend> null_;
  const std::uint64_t limit_;
  std::atomic<std::uint64_t> accepted_{0};
};

}  // namespace

std::unique_ptr<Backend> make_stall_backend(const ServerSpec& spec) {
  return std::make_unique<StallBackend>(spec.stall_after_bytes);
}

}  // namespace fuselab::agent
