#include "monitor/monitor.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "monitor/proc_files.h"
#include "protocol/channel.h"
#include "util/kernel_file.h"

namespace fuselab::agent {
namespace {

constexpr auto kPoll = std::chrono::milliseconds(20);
constexpr auto kTick = std::chrono::seconds(1);

// Writes `value` to a /proc/sys file and reads it back; the read-back text, or null if missing.
nlohmann::json set_sysctl(const std::string& path, const std::string& value) {
  write_kernel_file(path.c_str(), value);  // a refused value shows in the read-back
  std::ifstream in(path);
  std::string read_back;
  if (!(in >> read_back)) return nullptr;
  return read_back;
}

double since_s(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace

Monitor::Monitor(const MonitorSpec& spec, Channel& channel, bool trace)
    : spec_(spec), channel_(channel) {
  if (trace) trace_.emplace();  // before mlockall: its setup allocates
  sysctl_ = nlohmann::json::object();
  if (spec_.hung_task_timeout_secs != 0) {
    // Reports for every hang, never a panic: the host decides when to stop the guest.
    sysctl_["hung_task_timeout_secs"] = set_sysctl("/proc/sys/kernel/hung_task_timeout_secs",
                                                   std::to_string(spec_.hung_task_timeout_secs));
    sysctl_["hung_task_warnings"] = set_sysctl("/proc/sys/kernel/hung_task_warnings", "-1");
    sysctl_["hung_task_panic"] = set_sysctl("/proc/sys/kernel/hung_task_panic", "0");
  }
  // Only records written from now on: an old report is not this cell's.
  kmsg_.reset(open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (kmsg_) lseek(kmsg_.get(), 0, SEEK_END);
  // Locked, present and future: page faults of the agent must never wait for reclaim. Children
  // do not inherit the lock (fork), so the server and the writer stay under test.
  mlocked_ = mlockall(MCL_CURRENT | MCL_FUTURE) == 0;
  last_progress_ = Clock::now();
}

nlohmann::json Monitor::report() const {
  return {{"mlocked", mlocked_},
          {"kmsg", static_cast<bool>(kmsg_)},
          {"sysctl", sysctl_},
          {"stall_after_s", spec_.stall_after_s},
          {"stalls", stalls_},
          {"hangs", hangs_},
          {"sysrq_writes", sysrq_writes_},
          {"sysrq_tasks", sysrq_tasks_shown_},
          {"max_d_tasks", max_d_tasks_},
          {"max_fuse_waiting", max_fuse_waiting_},
          {"max_no_progress_s", std::round(max_no_progress_s_ * 10) / 10},
          {"hung_task", hung_line_[0] != '\0' ? nlohmann::json(hung_line_) : nlohmann::json()},
          {"trace", trace_ ? trace_->report() : nlohmann::json()}};
}

void Monitor::send_trace(const char* reason) {
  if (trace_) trace_->send(channel_, line_, scratch_, sizeof(scratch_), reason);
}

int Monitor::watch(pid_t writer, ServerProcess& server, const WorkloadStats& workload,
                   ChildReaper& reaper) {
  last_progress_ = Clock::now();
  auto next_tick = Clock::now() + kTick;
  for (;;) {
    if (auto status = reaper.status(writer)) {
      if (memory_ != nullptr) memory_->sample();  // the last figures, after the writer ended
      return *status;
    }
    sleep_for(kPoll);
    if (Clock::now() < next_tick) continue;
    next_tick += kTick;
    tick(writer, server, workload);
  }
}

void Monitor::tick(pid_t writer, ServerProcess& server, const WorkloadStats& workload) {
  // Progress is the writer's bytes or the server's: after the last write(2) returns, writeback
  // (and so fsync/close) still moves data, and only the server sees it.
  std::uint64_t bytes = workload.bytes_done.load(std::memory_order_relaxed);
  std::uint64_t server_bytes = server.stats().bytes_written.load(std::memory_order_relaxed);
  if (bytes != last_bytes_ || server_bytes != last_server_bytes_) last_progress_ = Clock::now();
  // The longest pause a cell had, hang or not: on PASS cells it says how low stall_after_s can go
  // without calling a slow cell stuck.
  max_no_progress_s_ = std::max(max_no_progress_s_, since_s(last_progress_));
  last_bytes_ = bytes;
  last_server_bytes_ = server_bytes;

  unsigned d_tasks = 0;
  for_each_task(scratch_, sizeof(scratch_), [&](const TaskState& t) { d_tasks += t.state == 'D'; });
  unsigned waiting = fuse_waiting(server.device());
  if (memory_ != nullptr) memory_->sample();
  max_d_tasks_ = std::max(max_d_tasks_, d_tasks);
  max_fuse_waiting_ = std::max(max_fuse_waiting_, waiting);

  line_.clear();
  line_.raw("{\"msg\":").str(protocol::message_name(protocol::MessageType::Progress));
  line_.raw(",\"t\":").number(boot_time_s());
  line_.raw(",\"bytes_done\":").u64(bytes).raw(",\"server_bytes_written\":").u64(server_bytes);
  line_.raw(",\"d_tasks\":").u64(d_tasks).raw(",\"fuse_waiting\":").u64(waiting);
  line_.raw(",\"since_progress_s\":").number(since_s(last_progress_));
  if (memory_ != nullptr) line_.raw(",\"oom_kills\":").u64(memory_->oom_kills());
  line_.raw("}\n");
  channel_.send_line(line_.view());

  read_kmsg();
  if (pending_hang_ && hangs_ < kMaxHangReports) {
    pending_hang_ = false;
    report_event(Event::hang, writer, server, workload);
  }
  bool stalled = spec_.stall_after_s != 0 && since_s(last_progress_) >= spec_.stall_after_s;
  if (stalled && stalls_ == 0) report_event(Event::stall, writer, server, workload);
}

bool is_hung_task_report(std::string_view line) {
  // 6.1: "INFO: task NAME:PID blocked for more than N seconds."; 7.2 says "blocked in I/O wait
  // for more than" when the task sleeps in io_schedule (the deadlock's server in
  // folio_wait_writeback): missing that form left a 7.2 hang to the 30 s no-progress watchdog.
  if (!line.starts_with("INFO: task ")) return false;
  return line.find(" blocked for more than ") != line.npos ||
         line.find(" blocked in I/O wait for more than ") != line.npos;
}

void Monitor::read_kmsg() {
  if (!kmsg_) return;
  // One record per read(); EAGAIN when none is left, EPIPE when records were overwritten.
  for (int i = 0; i < 1000; ++i) {
    ssize_t n = read(kmsg_.get(), kmsg_record_, sizeof(kmsg_record_) - 1);
    if (n < 0 && errno == EPIPE) continue;
    if (n <= 0) return;
    std::string_view record(kmsg_record_, static_cast<std::size_t>(n));
    auto semicolon = record.find(';');
    if (semicolon == std::string_view::npos) continue;
    std::string_view text = record.substr(semicolon + 1);
    text = text.substr(0, text.find('\n'));
    if (is_hung_task_report(text)) {
      std::size_t n_copy = std::min(text.size(), sizeof(hung_line_) - 1);
      std::memcpy(hung_line_, text.data(), n_copy);
      hung_line_[n_copy] = '\0';
      pending_hang_ = true;
    }
  }
}

unsigned Monitor::fuse_waiting(const std::string& device) {
  auto colon = device.find(':');
  if (colon == std::string::npos) return 0;
  char path[96];
  std::snprintf(path, sizeof(path), "/sys/fs/fuse/connections/%s/waiting",
                device.c_str() + colon + 1);
  long long n = parse_number(read_small_file(path, file_, sizeof(file_)));
  return n < 0 ? 0 : static_cast<unsigned>(n);
}

bool Monitor::sysrq_show_blocked() {
  UniqueFd fd(open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC));
  if (!fd || write(fd.get(), "w", 1) != 1) return false;
  ++sysrq_writes_;
  // The first time, every task's state and stack too (sysrq-t): what the blocked tasks wait
  // for may be a task that is not blocked (a reclaimer looping in R, a kworker in S).
  if (!sysrq_tasks_shown_ && write(fd.get(), "t", 1) == 1) sysrq_tasks_shown_ = true;
  return true;
}

long long Monitor::fuse_connection_value(long long conn, const char* file) {
  char path[96];
  std::snprintf(path, sizeof(path), "/sys/fs/fuse/connections/%lld/%s", conn, file);
  return parse_number(read_small_file(path, file_, sizeof(file_)));
}

void Monitor::add_task_evidence(pid_t pid, pid_t tid, char state, std::string_view comm,
                                const char* role) {
  std::size_t mark = line_.mark();
  char path[96];
  line_.raw("{\"pid\":")
      .u64(static_cast<std::uint64_t>(pid))
      .raw(",\"tid\":")
      .u64(static_cast<std::uint64_t>(tid));
  line_.raw(",\"comm\":").str(comm).raw(",\"state\":").str({&state, 1}).raw(",\"role\":").str(role);
  std::snprintf(path, sizeof(path), "/proc/%d/task/%d/wchan", pid, tid);
  line_.raw(",\"wchan\":").str(read_small_file(path, file_, 128));
  std::snprintf(path, sizeof(path), "/proc/%d/task/%d/stack", pid, tid);
  line_.raw(",\"stack\":").str(read_small_file(path, file_, 2048)).raw("},");
  if (line_.overflowed() || line_.room() < 4096) line_.rollback(mark);  // keep room to close
}

void Monitor::report_event(Event event, pid_t writer, ServerProcess& server,
                           const WorkloadStats& workload) {
  // Evidence to the console first: if the guest dies while we gather ours, the host has it.
  bool sysrq = spec_.sysrq && sysrq_show_blocked();
  if (event == Event::stall)
    ++stalls_;
  else
    ++hangs_;

  line_.clear();
  line_.raw("{\"msg\":")
      .str(protocol::message_name(event == Event::stall ? protocol::MessageType::Stall
                                                        : protocol::MessageType::Hang));
  line_.raw(",\"t\":").number(boot_time_s());
  if (event == Event::stall)
    line_.raw(",\"reason\":")
        .str("no progress")
        .raw(",\"stall_after_s\":")
        .u64(spec_.stall_after_s);
  else
    line_.raw(",\"reason\":").str("hung task").raw(",\"hung_task\":").str(hung_line_);
  line_.raw(",\"since_progress_s\":").number(since_s(last_progress_));
  // Whether the ftrace ring follows (trace lines, then trace_end): the host ends the cell once
  // the evidence is in, rather than after a fixed time.
  line_.raw(",\"trace\":").raw(trace_ && !trace_->sent() ? "true" : "false");
  line_.raw(",\"bytes_done\":").u64(workload.bytes_done.load(std::memory_order_relaxed));
  line_.raw(",\"server_bytes_written\":")
      .u64(server.stats().bytes_written.load(std::memory_order_relaxed));
  line_.raw(",\"server_unanswered_writes\":")
      .u64(server.stats().unanswered_writes.load(std::memory_order_relaxed));
  line_.raw(",\"sysrq\":").raw(sysrq ? "true" : "false");
  line_.raw(",\"writer_pid\":").u64(static_cast<std::uint64_t>(writer));
  line_.raw(",\"server_pid\":").u64(static_cast<std::uint64_t>(server.pid()));

  // Every FUSE connection's waiting count (ours is the mount's minor), and the same with the
  // connection's background limits: a connection stuck at max_background queues every new write.
  line_.raw(",\"fuse_waiting\":{");
  bool any = false;
  for_each_number_entry(
      "/sys/fs/fuse/connections", scratch_, sizeof(scratch_), [&](long long conn) {
        char name[24];
        std::snprintf(name, sizeof(name), "%lld", conn);
        line_.raw(any ? "," : "").key(name).i64(fuse_connection_value(conn, "waiting"));
        any = true;
      });
  line_.raw("},\"fuse_connections\":{");
  any = false;
  for_each_number_entry(
      "/sys/fs/fuse/connections", scratch_, sizeof(scratch_), [&](long long conn) {
        char name[24];
        std::snprintf(name, sizeof(name), "%lld", conn);
        line_.raw(any ? "," : "").key(name).raw("{");
        line_.key("waiting").i64(fuse_connection_value(conn, "waiting"));
        line_.raw(",").key("max_background").i64(fuse_connection_value(conn, "max_background"));
        line_.raw(",").key("congestion_threshold");
        line_.i64(fuse_connection_value(conn, "congestion_threshold")).raw("}");
        any = true;
      });
  line_.raw("}");

  // The tested memcg as it is now: usage, limit, events, memory.stat (each cut at 3 KiB).
  if (memory_ != nullptr && !memory_->group_dir().empty()) {
    line_.raw(",\"memcg\":{").key("path").str(memory_->group_dir());
    memory_->for_each_memcg_file([&](std::string_view name, std::string_view text) {
      line_.raw(",").key(name).str(text.substr(0, kMaxMemcgFileInEvidence));
    });
    line_.raw("}");
  }

  // The writer's and the server's threads whatever their state, then every other D task.
  line_.raw(",\"tasks\":[");
  std::size_t listed = 0;
  const pid_t server_pid = server.pid();
  for_each_task(scratch_, sizeof(scratch_), [&](const TaskState& t) {
    const char* role = t.pid == writer ? "writer" : t.pid == server_pid ? "server" : nullptr;
    if (role == nullptr && t.state != 'D') return;
    if (listed >= kMaxTasksInEvidence) return;
    add_task_evidence(t.pid, t.tid, t.state, t.comm, role != nullptr ? role : "other");
    ++listed;
  });
  if (line_.view().ends_with(",")) line_.rollback(line_.mark() - 1);
  line_.raw("]}\n");
  channel_.send_line(line_.view());
  // Then the ftrace ring, stopped now: the events that led here, read while the guest still
  // answers (once per cell, into the same fixed buffers).
  send_trace(event == Event::stall ? "stall" : "hang");

  if (spec_.on_stall == "abort") server.abort();
}

}  // namespace fuselab::agent
