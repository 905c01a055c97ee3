// The monitor: the agent's loop while the workload runs. It must survive what it watches, so it
// runs in the agent (outside every tested memcg), locks its memory, allocates its buffers up
// front and nothing in its loop. Every second it sends `progress` (the heartbeat); it reads
// hung-task reports from /dev/kmsg and notices when progress stops for `stall_after_s`. On either
// it first writes 'w' to /proc/sysrq-trigger, and the first time 't' (blocked tasks, then all
// tasks, to the console, so the evidence reaches the host even if the guest never answers
// again), then sends `hang` or `stall` with the blocked tasks' stacks, the FUSE connections and
// the tested memcg's state. It never powers off: the host decides.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "channel/channel.h"
#include "channel/spec.h"
#include "monitor/line_buffer.h"
#include "monitor/memory_watch.h"
#include "monitor/trace_ring.h"
#include "server/server_process.h"
#include "util/children.h"
#include "util/unique_fd.h"
#include "workload/workload.h"

namespace fuselab::agent {

// A kernel hung-task report's first line, in the forms of 6.1 and 7.2.
bool is_hung_task_report(std::string_view line);

class Monitor {
 public:
  // Applies the hung-task sysctls, opens /dev/kmsg at its end, mlockall()s; with `trace` (the
  // guest, never the host's `local`) sets up the ftrace ring (trace_ring.h). Never throws for a
  // missing facility: what could not be done is in report().
  Monitor(const MonitorSpec& spec, Channel& channel, bool trace = false);
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  // PSI and OOM counters to sample every tick; optional, must outlive watch().
  void set_memory_watch(MemoryWatch* watch) { memory_ = watch; }

  // Watches until the writer exits; returns its wait status.
  int watch(pid_t writer, ServerProcess& server, const WorkloadStats& workload,
            ChildReaper& reaper);

  // The `monitor` object of the result: what was set up, what was seen.
  nlohmann::json report() const;
  // Sends the ftrace ring now (`trace` lines, then `trace_end`) unless it was sent already: at
  // the first stall or hang the monitor sends it itself; the end of an --evidence cell calls this.
  void send_trace(const char* reason);
  // The events the ring records (none without a ring), for perf record on the same ones.
  std::vector<std::string> trace_events() const {
    return trace_ && trace_->active() ? trace_->enabled() : std::vector<std::string>();
  }
  bool stalled() const { return stalls_ != 0; }
  unsigned hangs() const { return hangs_; }

 private:
  enum class Event { stall, hang };

  void tick(pid_t writer, ServerProcess& server, const WorkloadStats& workload);
  void read_kmsg();
  void report_event(Event event, pid_t writer, ServerProcess& server,
                    const WorkloadStats& workload);
  void add_task_evidence(pid_t pid, pid_t tid, char state, std::string_view comm, const char* role);
  unsigned fuse_waiting(const std::string& device);
  long long fuse_connection_value(long long conn, const char* file);
  bool sysrq_show_blocked();

  static constexpr std::size_t kScratch = 48UL * 1024;
  static constexpr std::size_t kMaxTasksInEvidence = 24;
  static constexpr std::size_t kMaxMemcgFileInEvidence = 3UL * 1024;
  static constexpr unsigned kMaxHangReports = 4;

  const MonitorSpec spec_;
  Channel& channel_;
  UniqueFd kmsg_;
  bool mlocked_ = false;
  nlohmann::json sysctl_;  // what the constructor set (before the loop: may allocate)
  MemoryWatch* memory_ = nullptr;

  // Loop state, all fixed size.
  std::uint64_t last_bytes_ = 0;
  std::uint64_t last_server_bytes_ = 0;
  Clock::time_point last_progress_;
  unsigned stalls_ = 0;
  unsigned hangs_ = 0;
  unsigned sysrq_writes_ = 0;
  unsigned max_d_tasks_ = 0;
  unsigned max_fuse_waiting_ = 0;
  double max_no_progress_s_ = 0;  // longest time without writer or server progress
  bool pending_hang_ = false;
  bool sysrq_tasks_shown_ = false;  // sysrq-t is written once per cell: its output is large
  char hung_line_[256] = {};        // the last hung-task report's first line
  char kmsg_record_[8192];
  char scratch_[kScratch];
  char file_[16UL * 1024];
  MonitorLine line_;  // under the channel's 64 KiB line limit
  std::optional<TraceRing> trace_;
};

}  // namespace fuselab::agent
