// `perf record` of the trace ring's tracepoints for a cell that asked for evidence:
// started before the workload, stopped (SIGINT, so perf writes its header) after it, and its
// perf.data sent to the host as `file` lines (PROTOCOL.md), where `perf report -i perf.data`
// opens it. Debian's /usr/bin/perf is a wrapper that refuses a kernel newer than its tools, so
// the versioned binary (/usr/bin/perf_X.Y) is run directly. Optional: a guest without perf, or a
// perf that fails, is reported, never a cell failure.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "channel/channel.h"
#include "util/children.h"

namespace fuselab::agent {

class PerfRecord {
 public:
  static constexpr const char* kOutput = "/tmp/fuselab-perf.data";
  static constexpr const char* kControl = "/tmp/fuselab-perf.ctl";  // perf --control FIFOs
  static constexpr const char* kAck = "/tmp/fuselab-perf.ack";
  static constexpr std::size_t kMaxBytes = 16UL << 20;  // perf --max-size, and what is sent

  // Starts perf on `events` (SYSTEM:NAME), system-wide, in the agent's (root) cgroup; waits
  // until it has written its file (at most a few seconds).
  PerfRecord(const std::vector<std::string>& events, ChildReaper& reaper);
  PerfRecord(const PerfRecord&) = delete;
  PerfRecord& operator=(const PerfRecord&) = delete;

  // Stops perf (SIGINT, then SIGKILL after a deadline) and sends perf.data as `file` lines and
  // one `file_end`. Once.
  void stop_and_send(Channel& channel);

  // The `perf` object of the result: binary, argv, exit, bytes sent, problem.
  nlohmann::json report() const { return report_; }

 private:
  ChildReaper& reaper_;
  pid_t pid_ = -1;
  nlohmann::json report_;
};

}  // namespace fuselab::agent
