#include "server/server_process.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <optional>

#include "server/external_server.h"
#include "server/fuse_server.h"
#include "util/error.h"
#include "util/mounts.h"
#include "util/unique_fd.h"

namespace fuselab::agent {
namespace {

constexpr auto kMountTimeout = std::chrono::seconds(10);

// Reads the server's one-byte "mounted" signal; false when the server closed the pipe (it
// failed) or the deadline passed.
bool wait_ready(int fd, Clock::time_point deadline) {
  while (Clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char byte = 0;
    ssize_t n = read(fd, &byte, 1);
    if (n < 0 && errno == EINTR) continue;
    return n == 1;
  }
  return false;
}

}  // namespace

ServerProcess::ServerProcess(const ServerSpec& spec, std::string mountpoint, ChildReaper& reaper,
                             const std::function<void(ServerStats&)>& enter)
    : reaper_(reaper), mountpoint_(std::move(mountpoint)) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw_errno("mount", "pipe");
  UniqueFd ready_read(fds[0]);
  UniqueFd ready_write(fds[1]);
  ServerStats& stats = *stats_;
  const bool external = spec.backend == "external";
  if (external) {
    if (uses_source(spec.exec)) {
      source_ = source_dir_for(mountpoint_, spec.source);
      if (mkdir(source_.c_str(), 0755) != 0 && errno != EEXIST)
        throw_errno("mount", "mkdir " + source_);
    }
    argv_ = substitute_argv(spec.exec, mountpoint_, source_);
  }
  pid_ = reaper_.spawn([&] {
    ready_read.reset();
    try {
      if (enter) enter(stats);
    } catch (const std::exception& e) {
      stats.error.set(e.what());
      return 1;
    }
    if (external) {
      exec_argv(argv_);
      stats.error.set(errno_text("exec " + argv_[0], errno));
      return 127;
    }
    return serve(spec, mountpoint_, stats, ready_write.release());
  });
  ready_write.reset();
  bool ready = external ? wait_mounted(Clock::now() + kMountTimeout)
                        : wait_ready(ready_read.get(), Clock::now() + kMountTimeout);
  if (!ready) {
    kill(pid_, SIGKILL);
    auto status = reaper_.wait(pid_, std::chrono::seconds(5));
    pid_ = -1;
    std::string why(stats_->error.get());
    if (why.empty())
      why = external ? "external server did not mount " + mountpoint_ + " within 10 s"
                     : "server did not mount within 10 s";
    if (status) why += " (server " + describe_status(*status) + ")";
    throw AgentError("mount", why);
  }
  device_ = mounted_device(mountpoint_).value_or("");
}

// The external server has no pipe to the agent: its mount appearing is the signal. It must
// stay in the foreground: its exit before the mount is a failure.
bool ServerProcess::wait_mounted(Clock::time_point deadline) {
  while (Clock::now() < deadline) {
    if (mounted_device(mountpoint_)) return true;
    if (reaper_.status(pid_)) return false;
    sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

ServerProcess::~ServerProcess() {
  if (pid_ < 0) return;
  kill(pid_, SIGKILL);  // the connection dies with the server's /dev/fuse fd
  reaper_.wait(pid_, std::chrono::seconds(5));
  umount2(mountpoint_.c_str(), MNT_DETACH);
}

bool ServerProcess::abort_connection() const {
  auto colon = device_.find(':');
  if (colon == std::string::npos) return false;
  std::ofstream abort("/sys/fs/fuse/connections/" + device_.substr(colon + 1) + "/abort");
  abort << "1" << std::flush;
  return abort.good();
}

nlohmann::json ServerProcess::apply_bdi_knobs(const ServerSpec& spec) const {
  nlohmann::json report = {{"device", device_},
                           {"applied", nlohmann::json::array()},
                           {"missing", nlohmann::json::array()},
                           {"failed", nlohmann::json::object()}};
  const std::string dir = "/sys/class/bdi/" + device_ + "/";
  // strict_limit first: with it on, max_ratio is a hard cap on this bdi's dirty pages.
  std::pair<const char*, std::optional<unsigned>> knobs[] = {
      {"strict_limit",
       spec.strict_limit ? std::optional<unsigned>(*spec.strict_limit ? 1 : 0) : std::nullopt},
      {"max_ratio", spec.max_ratio},
  };
  for (const auto& [name, want] : knobs) {
    std::string path = dir + name;
    bool present = !device_.empty() && access(path.c_str(), F_OK) == 0;
    if (want && !present) report["missing"].push_back(name);
    if (want && present) {
      std::ofstream out(path);
      out << *want << std::flush;
      if (out.good())
        report["applied"].push_back(name);
      else
        report["failed"][name] = "write " + std::to_string(*want) + " to " + path + " failed";
    }
    std::ifstream in(path);
    unsigned value = 0;
    if (present && in >> value)
      report[name] = value;
    else
      report[name] = nullptr;
  }
  return report;
}

std::uint64_t ServerProcess::vm_hwm_kib() const {
  if (pid_ < 0) return 0;
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  std::string key;
  while (in >> key) {
    if (key == "VmHWM:") {
      std::uint64_t kib = 0;
      in >> kib;
      return kib;
    }
    in.ignore(1 << 16, '\n');
  }
  return 0;
}

void ServerProcess::abort() {
  if (pid_ < 0) return;
  aborted_ = true;
  if (!abort_connection()) kill(pid_, SIGKILL);
}

std::string ServerProcess::stop(Clock::duration timeout) {
  if (pid_ < 0) return "server not running";
  std::string problem;
  // Unmount from a helper process: the last reference to the mount is dropped by the task that
  // unmounts, and it syncs the file system, waiting for the server. If the server is stuck, the
  // helper is stuck, not the agent.
  pid_t unmounter =
      reaper_.spawn([this] { return umount2(mountpoint_.c_str(), MNT_DETACH) == 0 ? 0 : errno; });
  auto deadline = Clock::now() + timeout;
  auto unmounted = reaper_.wait(unmounter, timeout);
  if (unmounted && *unmounted != 0)
    problem = "unmount " + mountpoint_ + ": " + describe_status(*unmounted);
  auto left = std::max<Clock::duration>(deadline - Clock::now(), std::chrono::seconds(0));
  auto status = reaper_.wait(pid_, left);
  if (!status) {
    problem = "server did not exit within the deadline after unmount";
    if (abort_connection()) {
      problem += "; connection aborted";
      status = reaper_.wait(pid_, std::chrono::seconds(5));
    }
  }
  if (!status) {
    problem += "; server killed";
    kill(pid_, SIGKILL);
    status = reaper_.wait(pid_, std::chrono::seconds(5));
  }
  if (!reaper_.status(unmounter)) kill(unmounter, SIGKILL);
  if (status && *status != 0 && problem.empty()) {
    problem = (aborted_ ? "after the connection was aborted: server " : "server ") +
              describe_status(*status);
    if (!stats_->error.get().empty()) problem += ": " + std::string(stats_->error.get());
  }
  pid_ = -1;
  return problem;
}

}  // namespace fuselab::agent
