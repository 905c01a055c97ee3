// The passthrough backend: each file's data goes to a file of its own in a directory (e.g. a
// tmpfs or an ext4 mount in the guest), named after the inode number, so the lower file
// system's page cache and writeback sit under FUSE's.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>
#include <new>
#include <unordered_map>

#include "server/backend.h"
#include "util/error.h"
#include "util/unique_fd.h"

namespace fuselab::agent {
namespace {

class PassthroughBackend final : public Backend {
 public:
  explicit PassthroughBackend(std::string dir) : dir_(std::move(dir)) {
    if (mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST)
      throw_errno("mount", "passthrough_dir " + dir_);
    dir_fd_.reset(open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir_fd_) throw_errno("mount", "passthrough_dir " + dir_);
  }
  PassthroughBackend(const PassthroughBackend&) = delete;
  PassthroughBackend& operator=(const PassthroughBackend&) = delete;
  // The backing files live as long as the mount: nothing reads them afterwards.
  ~PassthroughBackend() override {
    for (const auto& [ino, fd] : files_) unlinkat(dir_fd_.get(), name(ino).c_str(), 0);
  }

  long write(fuse_ino_t ino, off_t off, fuse_bufvec& data) override {
    int fd = backing_fd(ino);
    if (fd < 0) return fd;
    fuse_bufvec dst = one_buffer(fuse_buf_size(&data));
    dst.buf[0].flags = static_cast<fuse_buf_flags>(FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK);
    dst.buf[0].fd = fd;
    dst.buf[0].pos = off;
    // Pipe to file with splice when splice is on, pwrite from memory otherwise.
    return static_cast<long>(fuse_buf_copy(&dst, &data, static_cast<fuse_buf_copy_flags>(0)));
  }

  ReadData read(fuse_ino_t ino, off_t off, std::size_t size) override {
    int fd = backing_fd(ino);
    if (fd < 0) return ReadData{-fd, nullptr, 0, nullptr};
    ReadData out;
    out.owned.reset(new (std::nothrow) char[size]());
    if (!out.owned) return ReadData{ENOMEM, nullptr, 0, nullptr};
    std::size_t done = 0;
    while (done < size) {
      ssize_t n = pread(fd, out.owned.get() + done, size - done, off + static_cast<off_t>(done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return ReadData{errno, nullptr, 0, nullptr};
      if (n == 0) break;  // a hole at the end: the buffer is already zeros
      done += static_cast<std::size_t>(n);
    }
    out.data = out.owned.get();
    out.size = size;
    return out;
  }

  int truncate(fuse_ino_t ino, std::uint64_t size) override {
    int fd = backing_fd(ino);
    if (fd < 0) return -fd;
    return ftruncate(fd, static_cast<off_t>(size)) == 0 ? 0 : errno;
  }

  int fsync(fuse_ino_t ino) override {
    int fd = backing_fd(ino);
    if (fd < 0) return -fd;
    return ::fsync(fd) == 0 ? 0 : errno;
  }

  void forget(fuse_ino_t ino) override {
    std::lock_guard lock(mutex_);
    if (files_.erase(ino) != 0) unlinkat(dir_fd_.get(), name(ino).c_str(), 0);
  }

 private:
  static std::string name(fuse_ino_t ino) { return "ino-" + std::to_string(ino); }

  // The backing file of `ino`, created on first use; returns the fd or -errno. The fd stays
  // valid until forget(), which the kernel sends only after the last request on the inode.
  int backing_fd(fuse_ino_t ino) {
    std::lock_guard lock(mutex_);
    auto it = files_.find(ino);
    if (it != files_.end()) return it->second.get();
    // O_RDWR: with writeback cache the kernel reads pages it is about to write partially.
    UniqueFd fd(
        openat(dir_fd_.get(), name(ino).c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd) return -errno;
    try {
      return files_.emplace(ino, std::move(fd)).first->second.get();
    } catch (const std::bad_alloc&) {
      return -ENOMEM;
    }
  }

  const std::string dir_;
  UniqueFd dir_fd_;
  // Protects files_; held only to find or create an entry, never across I/O.
  std::mutex mutex_;
  std::unordered_map<fuse_ino_t, UniqueFd> files_;
};

}  // namespace

std::unique_ptr<Backend> make_passthrough_backend(const ServerSpec& spec) {
  return std::make_unique<PassthroughBackend>(spec.passthrough_dir);
}

}  // namespace fuselab::agent
