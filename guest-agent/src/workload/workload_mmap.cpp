// mmap-write: writes through a shared writable mapping of a file on the FUSE mount. The writer
// never calls write(2): every byte reaches the server through page writeback (dirty pages of the
// mapping), the path where reclaim meets FUSE writeback without a syscall to throttle in.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/clock.h"
#include "util/error.h"
#include "util/unique_fd.h"
#include "workload/workload.h"

namespace fuselab::agent {

int mmap_write(const WorkloadSpec& spec, const std::string& mountpoint, WorkloadStats& stats) {
  const std::uint64_t total = spec.size_mib << 20;
  // Whole pages per step: a page written in two steps could be written back twice, and the
  // server would count it twice.
  const std::uint64_t page = static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
  const std::uint64_t step = std::max<std::uint64_t>(page, (spec.block_kib << 10) / page * page);
  const std::string path = mountpoint + "/" + kMmapWriteFile;
  auto start = Clock::now();
  UniqueFd fd(open(path.c_str(), O_CREAT | O_TRUNC | O_RDWR | O_CLOEXEC, 0644));
  if (!fd) {
    stats.error.set(errno_text("open " + path, errno));
    return 1;
  }
  if (ftruncate(fd.get(), static_cast<off_t>(total)) != 0) {
    stats.error.set(errno_text("ftruncate " + path, errno));
    return 1;
  }
  void* map = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  if (map == MAP_FAILED) {
    stats.error.set(errno_text("mmap " + path, errno));
    return 1;
  }
  auto* bytes = static_cast<char*>(map);
  std::uint64_t done = 0;
  while (done < total) {
    std::uint64_t n = std::min(step, total - done);
    std::memset(bytes + done, 0xa5, n);  // faults the pages in (a read from the server), dirties
    done += n;
    stats.bytes_done.store(done, std::memory_order_relaxed);
  }
  stats.bytes_written = done;
  if (spec.fsync && msync(map, total, MS_SYNC) != 0) {
    stats.error.set(errno_text("msync", errno));
    munmap(map, total);
    return 1;
  }
  munmap(map, total);
  // close() sends FUSE_FLUSH, which first writes back the file's dirty pages and waits for them.
  if (close(fd.release()) != 0) {
    stats.error.set(errno_text("close", errno));
    return 1;
  }
  stats.elapsed_ns = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
  return 0;
}

}  // namespace fuselab::agent
