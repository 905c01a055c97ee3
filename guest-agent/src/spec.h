// The cell a host asks the agent to run (PROTOCOL.md, `spec`), as plain data. Parsed in one
// place, strictly: every v1 key is required and an unknown key is an error, so that a newer host
// is never silently misread. Keys added after v1 are optional with the defaults below, so that
// a host sending only the v1 keys keeps getting the v1 behaviour.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace fuselab::agent {

struct ServerSpec {
  // v1
  std::string backend;           // "null", "memory", "passthrough", "stall", "external"
  bool writeback_cache = false;  // negotiate FUSE_CAP_WRITEBACK_CACHE in init
  unsigned threads = 1;          // 1: fuse_session_loop; N: fuse_session_loop_mt, max N threads
  // Added by issue #3 (optional).
  std::string passthrough_dir = "/tmp/fuselab-backing";  // backend "passthrough": files go here
  std::uint64_t stall_after_bytes = 0;    // backend "stall": FUSE_WRITE unanswered after this many
  std::uint64_t alloc_per_write_kib = 0;  // anonymous memory touched per FUSE_WRITE
  std::string alloc_mode = "mmap";    // "mmap" (map/touch/unmap) or "malloc" (malloc/touch/free)
  std::uint64_t max_write = 0;        // bytes per FUSE_WRITE; 0: libfuse's default (1 MiB)
  bool splice = false;                // FUSE_CAP_SPLICE_READ: write payloads through a pipe
  bool io_flusher = false;            // prctl(PR_SET_IO_FLUSHER, 1) before serving
  std::optional<unsigned> max_ratio;  // FUSE bdi max_ratio (percent), set after mount
  std::optional<bool> strict_limit;   // FUSE bdi strict_limit, set after mount
  // backend "external": the argv of someone else's FUSE server ({mountpoint}, {source} replaced)
  std::vector<std::string> exec;
};

struct WorkloadSpec {
  std::string kind;            // "seq-write", "mmap-write", "fio"
  std::uint64_t size_mib = 0;  // in total (fio: split evenly over the jobs)
  std::uint64_t block_kib = 0;
  bool fsync = false;
  unsigned jobs = 1;  // fio numjobs (issue #3, optional)
};

// Memory pressure (issue #3): a hog in the tested memcg holding a share of its limit.
struct PressureSpec {
  unsigned hog_percent = 0;   // of the nested group's limit (no limit: of MemTotal); 0: no hog
  std::uint64_t hog_mib = 0;  // absolute size instead; 0: use hog_percent
};

// The monitor (issue #3): all optional.
struct MonitorSpec {
  unsigned stall_after_s = 30;    // no workload progress for this long: a stall; 0: never
  bool sysrq = true;              // write 'w' to /proc/sysrq-trigger before reporting stall/hang
  std::string on_stall = "wait";  // "wait": keep watching, the host decides; "abort": abort FUSE
  unsigned hung_task_timeout_secs = 0;  // >0: set it, hung_task_warnings=-1, hung_task_panic=0
};

// cgroup topology and reclaim (issue #3): all optional; version "none" leaves cgroups alone.
struct CgroupSpec {
  std::string version = "none";  // "none", "v1", "v2"
  std::string placement =
      "both-root";                     // "both-root", "both-nested", "server-root", "workload-root"
  std::uint64_t memory_limit_mib = 0;  // limit of the nested group; 0: none
  std::string mglru = "default";       // "default", "on", "off" (/sys/kernel/mm/lru_gen/enabled)
};

struct Spec {
  ServerSpec server;
  WorkloadSpec workload;
  MonitorSpec monitor;
  CgroupSpec cgroup;
  PressureSpec pressure;
};

// Throws AgentError(stage "spec") naming the key, e.g. "server.threads: want an integer in
// [1, 64], got 0" or "workload.colour: unknown key".
Spec parse_spec(const nlohmann::json& j);

// Parses text first (errors are stage "spec" too).
Spec parse_spec_text(const std::string& text);

}  // namespace fuselab::agent
