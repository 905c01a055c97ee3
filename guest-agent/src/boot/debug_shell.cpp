#include "boot/debug_shell.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <string>

#include "boot/system.h"
#include "util/clock.h"
#include "util/kernel_file.h"

namespace fuselab::agent {
namespace {

// The first virtio console port (the domain's second console; ttyS0 stays the kernel console).
constexpr const char* kShellTty = "/dev/hvc0";
constexpr const char* kShell = "/bin/bash";
// Built with the agent (guest-agent/CMakeLists.txt: fuselab-mlockall), put in the base image.
constexpr const char* kMlockPreload = "/usr/local/lib/fuselab/mlockall.so";
constexpr auto kTtyTimeout = std::chrono::seconds(20);

bool wait_for_tty() {
  const auto deadline = Clock::now() + kTtyTimeout;
  while (access(kShellTty, R_OK | W_OK) != 0) {
    if (Clock::now() >= deadline) return false;
    sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

// In the shell's own process: a new session with hvc0 as its controlling terminal (so Ctrl-C
// typed on the host interrupts the guest command, not the repro), then bash.
[[noreturn]] void exec_shell(bool preload) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig : {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGPIPE, SIGCHLD, SIGTSTP, SIGTTIN, SIGTTOU})
    signal(sig, SIG_DFL);
  setsid();
  int fd = open(kShellTty, O_RDWR);
  if (fd < 0) _exit(126);
  ioctl(fd, TIOCSCTTY, 0);
  for (int target = 0; target <= 2; ++target) dup2(fd, target);
  if (fd > 2) close(fd);
  if (chdir("/root") != 0 && chdir("/") != 0) _exit(126);
  // --norc: the prompt below is the one the user (and tests/vm) sees, whatever the image's
  // dotfiles say.
  const char* argv[] = {"bash", "--norc", "--noprofile", "-i", nullptr};
  const char* env_locked[] = {"HOME=/root",
                              "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                              "TERM=xterm",
                              "PS1=fuselab-guest:\\w# ",
                              "LD_PRELOAD=/usr/local/lib/fuselab/mlockall.so",
                              nullptr};
  if (!preload) env_locked[4] = nullptr;
  execve(kShell, const_cast<char* const*>(argv), const_cast<char* const*>(env_locked));
  _exit(127);
}

[[noreturn]] void supervise() {
  bool locked = mlockall(MCL_CURRENT | MCL_FUTURE) == 0;
  write_kernel_file("/proc/self/oom_score_adj", "-1000");  // inherited by bash and its commands
  if (!wait_for_tty()) {
    console_note(std::string("no ") + kShellTty + " within 20 s: no shell (fuselab repro --shell)");
    _exit(1);
  }
  const bool preload = access(kMlockPreload, R_OK) == 0;
  console_note(std::string("root shell on ") + kShellTty + ", root cgroup, " +
               (locked ? "supervisor memory-locked" : "supervisor NOT memory-locked") + ", " +
               (preload ? "bash memory-locked (LD_PRELOAD mlockall)" : "bash not memory-locked"));
  for (;;) {
    pid_t pid = fork();
    if (pid == 0) exec_shell(preload);
    if (pid > 0) {
      int status = 0;
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
    }
    sleep(1);  // `exit` typed in the shell, or bash failing: a new prompt, but never a busy loop
  }
}

}  // namespace

pid_t start_debug_shell(ChildReaper& reaper) {
  return reaper.spawn([]() -> int { supervise(); });
}

void enable_host_sysrq() { write_kernel_file("/proc/sys/kernel/sysrq", "1"); }

}  // namespace fuselab::agent
