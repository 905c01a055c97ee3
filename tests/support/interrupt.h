// Stopping a foreground fuselab (a repro) as a user does: Ctrl-C, then its exit status.
#pragma once

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <thread>

namespace fuselab::testing {

// SIGINT, then the exit status: -1 still running after 60 s (then killed), -2 killed by a
// signal, -3 `pid` 0 (it had exited already).
inline int interrupt_and_wait(pid_t pid) {
  if (pid == 0) return -3;
  kill(pid, SIGINT);
  int status = 0;
  for (int i = 0; i < 600; ++i) {
    if (waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -2;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -1;
}

}  // namespace fuselab::testing
