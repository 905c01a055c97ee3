// Workloads: what the writer process does to the mounted file system. The writer reports
// through shared memory, so the agent can send progress while it runs and read its result after.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "channel/spec.h"
#include "util/shared_memory.h"

namespace fuselab::agent {

struct WorkloadStats {
  std::atomic<std::uint64_t> bytes_done{0};     // written so far (progress)
  std::atomic<std::uint64_t> bytes_written{0};  // final count, set when the workload ends
  std::atomic<std::uint64_t> elapsed_ns{0};     // open to close, fsync included
  std::atomic<std::uint64_t> warmup_bytes{0};   // written by the unmeasured pass, then removed
  std::atomic<std::uint64_t> warmup_ns{0};      // how long that pass took
  // The server's own byte count when the warm-up had ended (set by run_workload's caller).
  std::atomic<std::uint64_t> warmup_server_bytes{0};
  SharedText<512> error;   // why it failed, if it did
  SharedText<256> cgroup;  // the group it joined, read back by itself
  // kind "fio": the parsed report (fio_reported 1 once it is in); percentiles < 0 when absent.
  std::atomic<int> fio_reported{0};
  std::atomic<unsigned> fio_jobs{0};
  std::atomic<double> fio_bw_bytes{0}, fio_iops{0}, fio_clat_p50_us{-1}, fio_clat_p99_us{-1};
  SharedText<64> fio_version;
};
static_assert(std::atomic<double>::is_always_lock_free);

// Names accepted by spec `workload.kind`.
std::vector<std::string> workload_kinds();

// Runs the workload on the file system mounted at `mountpoint`. Returns 0 on success, 1 on
// failure (reason in stats.error). Runs in the writer child process. `after_warmup` runs once the
// warm-up's files are closed (so every byte of theirs has reached the server) and removed.
int run_workload(const WorkloadSpec& spec, const std::string& mountpoint, WorkloadStats& stats,
                 const std::function<void()>& after_warmup = {});

// The workloads, one per kind (workload.cpp, workload_mmap.cpp, workload_fio.cpp).
int seq_write(const WorkloadSpec& spec, const std::string& mountpoint, WorkloadStats& stats);
int mmap_write(const WorkloadSpec& spec, const std::string& mountpoint, WorkloadStats& stats);
int fio_write(const WorkloadSpec& spec, const std::string& mountpoint, WorkloadStats& stats);

// The files each workload writes, relative to the mount.
inline constexpr const char* kSeqWriteFile = "seq-write.dat";
inline constexpr const char* kMmapWriteFile = "mmap-write.dat";
std::vector<std::string> fio_files(const WorkloadSpec& spec);

// The result's `fio` object from stats, or null when the workload is not fio.
nlohmann::json fio_report(const WorkloadSpec& spec, const WorkloadStats& stats);

}  // namespace fuselab::agent
