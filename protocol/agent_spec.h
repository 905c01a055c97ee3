// The part of a cell the guest agent runs (PROTOCOL.md "spec"), as plain data, with its one
// encoder (host) and its one strict decoder (agent). The plan loader fills these structs from
// YAML; the defaults below are the plan's. On the wire every v1 key is required and an unknown
// key is an error, so a newer host is never silently misread; keys added after v1 are optional
// and default as below, so a host that sends only v1 keys keeps getting v1 behaviour.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace fuselab::protocol {

// The values each key may take: the plan loader and the decoder check against the same lists.
struct Range {
  std::uint64_t min, max;
};
namespace limits {
inline constexpr Range kThreads{1, 64};
inline constexpr Range kStallAfterMib{0, 65536};  // plan key stall_after_mib
inline constexpr Range kAllocPerWriteKib{0, 1 << 20};
inline constexpr Range kWriteDelayUs{0, 10'000'000};  // at most 10 s per request
// libfuse's receive buffer holds 256 pages of payload: it cannot take more per request.
inline constexpr Range kMaxWrite{4096, 1 << 20};
inline constexpr Range kMaxRatio{0, 100};
inline constexpr Range kSizeMib{1, 65536};
inline constexpr Range kBlockKib{1, 65536};
inline constexpr Range kJobs{1, 64};
inline constexpr Range kWarmupMib{0, 65536};
// Above 95 % of a limit the hog alone decides the cell: an OOM test, not a pressure test.
inline constexpr Range kHogPercent{0, 95};
inline constexpr Range kHogMib{0, 1 << 20};
inline constexpr Range kStallAfterS{0, 86400};
inline constexpr Range kHungTaskTimeoutSecs{0, 3600};
inline constexpr Range kMemoryLimitMib{0, 1 << 20};
inline constexpr std::size_t kExecArgs = 64, kExecArgBytes = 4096, kDirBytes = 256;
}  // namespace limits

const std::vector<std::string>& backend_names();   // null, memory, passthrough, stall, external
const std::vector<std::string>& workload_kinds();  // seq-write, mmap-write, fio
const std::vector<std::string>& alloc_modes();
const std::vector<std::string>& on_stall_actions();
const std::vector<std::string>& cgroup_versions();
const std::vector<std::string>& cgroup_placements();
const std::vector<std::string>& mglru_settings();
const std::vector<std::string>& source_kinds();  // tmpfs, disk

// The agent's FUSE server.
struct ServerSpec {
  std::string backend = "null";
  bool writeback_cache = false;  // negotiate FUSE_CAP_WRITEBACK_CACHE in init
  unsigned threads = 1;          // 1: fuse_session_loop; N: fuse_session_loop_mt, max N threads
  std::string passthrough_dir = "/tmp/fuselab-backing";  // backend "passthrough": files go here
  std::uint64_t stall_after_bytes = 0;    // backend "stall": FUSE_WRITE unanswered after this many
  std::uint64_t alloc_per_write_kib = 0;  // anonymous memory touched per FUSE_WRITE
  // Microseconds the server sleeps in every FUSE_WRITE before answering: a deliberately slow
  // server, e.g. to show that a throughput gate catches a regression.
  std::uint64_t write_delay_us = 0;
  std::string alloc_mode = "mmap";    // map/touch/unmap, or malloc/touch/free
  std::uint64_t max_write = 0;        // bytes per FUSE_WRITE; 0: libfuse's default (1 MiB)
  bool splice = false;                // FUSE_CAP_SPLICE_READ: payloads through a pipe
  bool io_flusher = false;            // prctl(PR_SET_IO_FLUSHER, 1) before serving
  std::optional<unsigned> max_ratio;  // FUSE bdi knobs, set after mount; unset: the kernel's
  std::optional<bool> strict_limit;
  // backend "external": someone else's server's argv; "{mountpoint}", "{source}" replaced
  std::vector<std::string> exec;
  // Where an external server's "{source}" directory lives: "tmpfs" (beside the mount, on the
  // guest's /tmp: memory the tested memcg cannot reclaim) or "disk" (on the guest's root file
  // system, the cell's overlay: page cache that reclaim can write back and drop).
  std::string source = "tmpfs";
  bool operator==(const ServerSpec&) const = default;
};

struct WorkloadSpec {
  std::string kind = "seq-write";
  std::uint64_t size_mib = 64;  // in total (fio: split evenly over the jobs)
  std::uint64_t block_kib = 1024;
  bool fsync = true;
  unsigned jobs = 1;  // fio numjobs
  // seq-write and fio: an unmeasured pass of this many MiB first, its files removed before the
  // measured one (under TCG the first pass after boot pays for translating the write path).
  std::uint64_t warmup_mib = 0;
  bool operator==(const WorkloadSpec&) const = default;
};

// The in-guest monitor, which must survive what it watches.
struct MonitorSpec {
  unsigned stall_after_s = 30;          // no workload progress this long: a stall; 0: never
  bool sysrq = true;                    // sysrq-w (blocked tasks) before reporting stall/hang
  std::string on_stall = "wait";        // wait (the host decides) or abort the FUSE connection
  unsigned hung_task_timeout_secs = 0;  // >0: set it, hung_task_warnings=-1; 0: kernel's
  bool evidence = false;  // send the ftrace ring at the end of the cell too, not only on a hang
  bool operator==(const MonitorSpec&) const = default;
};

// Where server and workload run, and under what memory limit; version "none": cgroups untouched.
struct CgroupSpec {
  std::string version = "none";
  std::string placement = "both-root";
  std::uint64_t memory_limit_mib = 0;  // of the nested group; 0: none
  std::string mglru = "default";       // /sys/kernel/mm/lru_gen/enabled: default, on, off
  bool operator==(const CgroupSpec&) const = default;
};

// Memory pressure: a hog in the tested memcg holding a share of its limit (no limit: MemTotal).
struct PressureSpec {
  unsigned hog_percent = 0;   // 0: no hog
  std::uint64_t hog_mib = 0;  // absolute size instead of hog_percent
  bool operator==(const PressureSpec&) const = default;
};

struct AgentSpec {
  ServerSpec server;
  WorkloadSpec workload;
  MonitorSpec monitor;
  CgroupSpec cgroup;
  PressureSpec pressure;
  bool operator==(const AgentSpec&) const = default;
};

// A spec the decoder refuses: `key` is the dotted path ("server.threads"), `what()` reads
// "server.threads: want an integer in [1, 64], got 0".
class SpecError : public std::runtime_error {
 public:
  SpecError(std::string key, const std::string& problem)
      : std::runtime_error(key + ": " + problem), key_(std::move(key)) {}
  const std::string& key() const { return key_; }

 private:
  std::string key_;
};

// Whether the server may count more bytes than were written (never fewer), which both sides
// check: through a shared mapping a page dirtied again under writeback reaches the server twice,
// and with the writeback cache so may the page at the end of a file written in blocks that are
// not whole pages (written back while partly filled, then again when full).
bool server_may_count_rewrites(const AgentSpec& spec, std::uint64_t page_size = 4096);

nlohmann::json encode_agent_spec(const AgentSpec& spec);
AgentSpec decode_agent_spec(const nlohmann::json& j);  // throws SpecError
AgentSpec decode_agent_spec_text(const std::string& text);

// The host-to-guest line that starts a cell, newline included, and the agent's reading of it.
// `stay_up` (fuselab repro): after its bye the agent keeps the guest up instead of powering it
// off, until the host stops it; absent means false, so an older host's line reads as before.
// `shell` (fuselab repro --shell): before the scenario the agent starts a root shell on the
// guest's virtio console (hvc0), outside the tested memcg; absent means false (no shell, as in
// every matrix run).
std::string run_message_line(const AgentSpec& spec, bool stay_up = false, bool shell = false);
AgentSpec decode_run_message(const nlohmann::json& msg);  // throws SpecError
bool decode_stay_up(const nlohmann::json& msg);           // throws SpecError
bool decode_shell(const nlohmann::json& msg);             // throws SpecError

}  // namespace fuselab::protocol
