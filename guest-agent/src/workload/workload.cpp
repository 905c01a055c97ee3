#include "workload/workload.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "util/clock.h"
#include "util/error.h"
#include "util/unique_fd.h"

namespace fuselab::agent {
namespace {

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

}  // namespace

// seq-write: create a file, write size_mib MiB in block_kib blocks, fsync if asked, close.
int seq_write(const WorkloadSpec& spec, const std::string& mountpoint, WorkloadStats& stats) {
  const std::uint64_t total = spec.size_mib << 20;
  const std::size_t block = static_cast<std::size_t>(spec.block_kib) << 10;
  // Allocated and touched before the clock starts.
  std::unique_ptr<char, FreeDeleter> buffer(
      static_cast<char*>(std::aligned_alloc(4096, (block + 4095) / 4096 * 4096)));
  if (!buffer) {
    stats.error.set("cannot allocate a block of " + std::to_string(block) + " bytes");
    return 1;
  }
  std::memset(buffer.get(), 0xa5, block);

  const std::string path = mountpoint + "/" + kSeqWriteFile;
  auto start = Clock::now();
  UniqueFd fd(open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644));
  if (!fd) {
    stats.error.set(errno_text("open " + path, errno));
    return 1;
  }
  std::uint64_t done = 0;
  while (done < total) {
    std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(block, total - done));
    ssize_t n = write(fd.get(), buffer.get(), want);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      stats.error.set(errno_text("write at offset " + std::to_string(done), n < 0 ? errno : EIO));
      stats.bytes_written = done;
      return 1;
    }
    done += static_cast<std::uint64_t>(n);
    stats.bytes_done.store(done, std::memory_order_relaxed);
  }
  stats.bytes_written = done;
  if (spec.fsync && fsync(fd.get()) != 0) {
    stats.error.set(errno_text("fsync", errno));
    return 1;
  }
  // close() sends FUSE_FLUSH, and with writeback cache first writes back every dirty page and
  // waits for it: after close, the server has seen all the data.
  if (close(fd.release()) != 0) {
    stats.error.set(errno_text("close", errno));
    return 1;
  }
  stats.elapsed_ns = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
  return 0;
}

namespace {

struct WorkloadEntry {
  const char* kind;
  int (*run)(const WorkloadSpec&, const std::string&, WorkloadStats&);
  // The files it writes, relative to the mount: the agent's own server cannot list a directory.
  std::vector<std::string> (*files)(const WorkloadSpec&);
};

std::vector<std::string> seq_write_files(const WorkloadSpec&) { return {kSeqWriteFile}; }
std::vector<std::string> mmap_write_files(const WorkloadSpec&) { return {kMmapWriteFile}; }

// The one list of workloads.
constexpr WorkloadEntry kWorkloads[] = {
    {"seq-write", seq_write, seq_write_files},
    {"mmap-write", mmap_write, mmap_write_files},
    {"fio", fio_write, fio_files},
};

// The unmeasured pass: the same workload with warmup_mib, its own stats (the measured pass's
// progress and figures start clean), then its files removed: the measured pass creates them
// again.
int warm_up(const WorkloadEntry& w, const WorkloadSpec& spec, const std::string& mountpoint,
            WorkloadStats& stats) {
  WorkloadSpec warm = spec;
  warm.size_mib = std::max<std::uint64_t>(spec.warmup_mib / spec.jobs, 1) * spec.jobs;
  WorkloadStats warm_stats;
  auto start = Clock::now();
  if (w.run(warm, mountpoint, warm_stats) != 0) {
    stats.error.set("warm-up: " + std::string(warm_stats.error.get()));
    return 1;
  }
  for (const auto& name : w.files(warm)) {
    const std::string path = mountpoint + "/" + name;
    if (unlink(path.c_str()) != 0) {
      stats.error.set(errno_text("warm-up: unlink " + path, errno));
      return 1;
    }
  }
  stats.warmup_bytes = warm_stats.bytes_written.load();
  stats.warmup_ns = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
  return 0;
}

}  // namespace

std::vector<std::string> workload_kinds() {
  std::vector<std::string> kinds;
  for (const auto& w : kWorkloads) kinds.emplace_back(w.kind);
  return kinds;
}

int run_workload(const WorkloadSpec& spec, const std::string& mountpoint, WorkloadStats& stats,
                 const std::function<void()>& after_warmup) {
  for (const auto& w : kWorkloads) {
    if (spec.kind != w.kind) continue;
    if (spec.warmup_mib != 0) {
      if (warm_up(w, spec, mountpoint, stats) != 0) return 1;
      if (after_warmup) after_warmup();
    }
    return w.run(spec, mountpoint, stats);
  }
  stats.error.set("unknown workload \"" + spec.kind + "\"");
  return 1;
}

}  // namespace fuselab::agent
