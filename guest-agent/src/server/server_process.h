// The FUSE server as a child process of the agent, seen from the agent: start it and wait until
// it is mounted, read its counters, stop it with a deadline.
#pragma once

#include <sys/types.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "channel/spec.h"
#include "server/server_stats.h"
#include "util/children.h"
#include "util/shared_memory.h"

namespace fuselab::agent {

class ServerProcess {
 public:
  // Forks the server and waits until its file system is mounted on `mountpoint`. Throws
  // AgentError(stage "mount") with the server's reason if it is not mounted within 10 s.
  // `enter` runs first in the child (joins the server's cgroup); its exceptions fail the mount.
  ServerProcess(const ServerSpec& spec, std::string mountpoint, ChildReaper& reaper,
                const std::function<void(ServerStats&)>& enter = {});
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  // Last resort if stop() was not called: kill the server, then detach the mount.
  ~ServerProcess();

  const ServerStats& stats() const { return *stats_; }
  pid_t pid() const { return pid_; }
  // Backend "external": the argv run (placeholders replaced) and its source directory ("" if
  // it names none).
  const std::vector<std::string>& external_argv() const { return argv_; }
  const std::string& source_dir() const { return source_; }
  // "major:minor" of the mount ("" if unknown); the minor names the fusectl connection.
  const std::string& device() const { return device_; }

  // Sets the FUSE bdi knobs the spec asks for (max_ratio, strict_limit under
  // /sys/class/bdi/<device>/) and reads both back. Returns the `bdi` report: {"device",
  // "max_ratio", "strict_limit" (read back, null when the file is missing), "applied": [...],
  // "missing": [...], "failed": {knob: why}}.
  nlohmann::json apply_bdi_knobs(const ServerSpec& spec) const;

  // The server's peak resident set (VmHWM, KiB) while it runs; 0 if unreadable.
  std::uint64_t vm_hwm_kib() const;

  // Aborts the FUSE connection through fusectl, or failing that kills the server (closing
  // /dev/fuse aborts it too). Every waiting request then fails: unblocks a stalled writer.
  void abort();

  // Unmounts the file system and waits for the server to exit; if that takes longer than
  // `timeout`, aborts the FUSE connection, then kills the server. Returns what went wrong, or
  // an empty string for a clean stop (server exited 0).
  std::string stop(Clock::duration timeout);

 private:
  bool abort_connection() const;
  bool wait_mounted(Clock::time_point deadline);

  SharedObject<ServerStats> stats_;
  ChildReaper& reaper_;
  std::string mountpoint_;
  std::string device_;  // "major:minor" of the mount; the minor names the fusectl connection
  pid_t pid_ = -1;
  bool aborted_ = false;           // abort() ran: a non-clean stop is expected
  std::vector<std::string> argv_;  // backend "external"
  std::string source_;
};

}  // namespace fuselab::agent
