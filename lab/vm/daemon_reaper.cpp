#include "vm/daemon_reaper.h"

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fuselab {
namespace {

struct ProcStat {
  char state = '?';
  pid_t ppid = 0;
  pid_t session = 0;
};

// Fields after the command name, which may itself hold spaces and parentheses.
bool read_stat(const std::filesystem::path& stat_file, ProcStat& out) {
  std::ifstream in(stat_file);
  std::string line;
  if (!std::getline(in, line)) return false;
  auto close = line.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream rest(line.substr(close + 1));
  pid_t pgrp = 0;
  return static_cast<bool>(rest >> out.state >> out.ppid >> pgrp >> out.session);
}

}  // namespace

int DaemonReaper::reap_once() {
  const pid_t self = ::getpid();
  const pid_t session = ::getsid(0);
  int reaped = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    ProcStat st;
    if (!read_stat(entry.path() / "stat", st)) continue;
    if (st.ppid != self || st.state != 'Z' || st.session == session) continue;
    // Only QEMU itself: libvirt's daemonizing fork also calls setsid() and is waited for by
    // libvirt, which fails the guest's start ("unable to wait for process: No child processes")
    // when we reap it first. That fork never execs, so its name is still ours.
    std::ifstream comm_file(entry.path() / "comm");
    std::string comm;
    if (!std::getline(comm_file, comm) || !comm.starts_with("qemu")) continue;
    if (::waitpid(static_cast<pid_t>(std::stol(name)), nullptr, WNOHANG) > 0) ++reaped;
  }
  return reaped;
}

DaemonReaper::DaemonReaper() {
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  thread_ = std::thread([this] {
    while (running_) {
      reap_once();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
}

DaemonReaper::~DaemonReaper() {
  running_ = false;
  thread_.join();
  reap_once();
}

}  // namespace fuselab
