// Child processes of the agent. The agent forks the FUSE server and the writer so that each can
// later be put in its own cgroup while the agent itself, the monitor and reporter,
// stays outside. As pid 1 in the guest it must also reap orphans re-parented to it: reap()
// collects every exited child, keeping the status only of those it spawned.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <optional>
#include <set>

#include "util/clock.h"

namespace fuselab::agent {

class ChildReaper {
 public:
  // Forks; the child runs fn() and _exit()s with its result (an escaping exception exits 125).
  // The child is killed if the agent dies. Throws AgentError(stage "agent") if fork fails.
  pid_t spawn(const std::function<int()>& fn);

  // Reaps every exited child without blocking.
  void reap();

  // The wait status of a spawned child, once it has exited.
  std::optional<int> status(pid_t pid);

  // Waits until the child exits or `timeout` passes.
  std::optional<int> wait(pid_t pid, Clock::duration timeout);

 private:
  std::set<pid_t> running_;
  std::map<pid_t, int> exited_;
};

// "exit 0", "exit 3", "killed by signal 9".
std::string describe_status(int status);

}  // namespace fuselab::agent
