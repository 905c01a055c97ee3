#include "util/children.h"

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <string>

#include "util/error.h"

namespace fuselab::agent {

pid_t ChildReaper::spawn(const std::function<int()>& fn) {
  pid_t pid = fork();
  if (pid < 0) throw_errno("agent", "fork");
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int code = 125;
    try {
      code = fn();
    } catch (...) {
    }
    _exit(code);
  }
  running_.insert(pid);
  return pid;
}

void ChildReaper::reap() {
  int status = 0;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    if (running_.erase(pid) != 0) exited_[pid] = status;
  }
}

std::optional<int> ChildReaper::status(pid_t pid) {
  reap();
  auto it = exited_.find(pid);
  if (it == exited_.end()) return std::nullopt;
  return it->second;
}

std::optional<int> ChildReaper::wait(pid_t pid, Clock::duration timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    if (auto s = status(pid)) return s;
    if (Clock::now() >= deadline) return std::nullopt;
    sleep_for(std::chrono::milliseconds(20));
  }
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

}  // namespace fuselab::agent
