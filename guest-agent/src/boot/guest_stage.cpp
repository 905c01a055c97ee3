// Stage 2 (PROTOCOL.md): pid 1 on the guest's root disk. Finds the agent port, says hello, runs
// the cell the host sends, says bye and powers off. Every path ends in a power-off.
#include <dirent.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <exception>
#include <fstream>
#include <optional>

#include "boot/debug_shell.h"
#include "boot/stages.h"
#include "boot/system.h"
#include "channel/channel.h"
#include "channel/messages.h"
#include "scenario/scenario.h"
#include "util/children.h"
#include "util/error.h"
#include "util/mounts.h"

namespace fuselab::agent {
namespace {

constexpr const char* kMountpoint = "/tmp/fuselab";
constexpr auto kPortTimeout = std::chrono::seconds(20);
constexpr auto kRunTimeout = std::chrono::seconds(60);

void mount_filesystems() {
  // Already there when stage 1 moved them; mounted here when stage 2 is started some other way.
  mount_or_throw("agent", "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr, true);
  mount_or_throw("agent", "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr,
                 true);
  mount_or_throw("agent", "devtmpfs", "/dev", "devtmpfs", MS_NOSUID, nullptr, true);
  mount_or_throw("agent", "tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", true);
  if (mkdir(kMountpoint, 0755) != 0 && errno != EEXIST)
    throw_errno("agent", std::string("mkdir ") + kMountpoint);
  // fusectl lets the agent abort a stuck connection; optional (FUSE may still be a module here).
  mount("fusectl", "/sys/fs/fuse/connections", "fusectl", 0, nullptr);
}

// /dev/vportNpM of the port whose /sys/class/virtio-ports/*/name is ours, once it appears.
std::optional<std::string> find_port() {
  auto deadline = Clock::now() + kPortTimeout;
  do {
    if (DIR* dir = opendir("/sys/class/virtio-ports")) {
      std::optional<std::string> found;
      while (dirent* entry = readdir(dir)) {
        std::string port = entry->d_name;
        std::ifstream name_file("/sys/class/virtio-ports/" + port + "/name");
        std::string name;
        if (std::getline(name_file, name) && name == protocol::kPortName) found = "/dev/" + port;
      }
      closedir(dir);
      if (found && access(found->c_str(), R_OK | W_OK) == 0) return found;
    }
    sleep_for(std::chrono::milliseconds(10));  // boot time counts: look again soon
  } while (Clock::now() < deadline);
  return std::nullopt;
}

// Waits for `run` and parses its spec; throws AgentError(stage "spec").
Spec receive_spec(Channel& channel, bool& stay_up, bool& shell) {
  auto msg = channel.receive(Clock::now() + kRunTimeout);
  if (!msg) throw AgentError("spec", "no run message within 60 s of hello");
  Spec spec = parse_run_message(*msg);
  stay_up = parse_stay_up(*msg);
  shell = parse_shell(*msg);
  return spec;
}

// Returns whether the host asked the guest to stay up after the cell (fuselab repro).
bool talk_to_host(Channel& channel, ChildReaper& reaper) {
  channel.send(hello_message());
  bool stay_up = false, shell = false;
  try {
    Spec spec = receive_spec(channel, stay_up, shell);
    // fuselab repro: the user may send sysrq keys from the host; with --shell, the shell comes
    // up before the scenario, so that it is there, and outside the tested memcg, when it hangs.
    if (stay_up) enable_host_sysrq();
    if (shell) start_debug_shell(reaper);
    bool ok = run_scenario(spec, kMountpoint, channel, reaper, /*trace=*/true);
    console_note(ok ? "cell finished: ok" : "cell finished: failed");
  } catch (const AgentError& e) {
    if (e.stage() == "channel") throw;
    channel.send(error_message(e.stage(), e.what()));
    console_note("error (" + e.stage() + "): " + e.what());
  }
  channel.send(bye_message());
  channel.drain(std::chrono::seconds(2));
  return stay_up;
}

// fuselab repro: the cell is over and the user is still looking. pid 1 must not exit; it keeps
// reaping orphans until the host destroys the guest.
[[noreturn]] void stay_up_until_stopped() {
  console_note("cell over: staying up until the host stops the guest (fuselab repro)");
  for (;;) {
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    sleep(1);
  }
}

}  // namespace

void run_guest_stage() {
  // An uncaught exception must not end pid 1.
  std::set_terminate([] {
    console_fatal("terminate called");
    power_off(1);
  });
  try {
    mount_filesystems();
    ChildReaper reaper;
    auto port = find_port();
    if (!port)
      throw AgentError("channel", std::string("no virtio port named ") + protocol::kPortName);
    int fd = open(port->c_str(), O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) throw_errno("channel", "open " + *port);
    int in = dup(fd);
    if (in < 0) throw_errno("channel", "dup");
    Channel channel{UniqueFd(fd), UniqueFd(in), /*nonblocking=*/true};
    if (talk_to_host(channel, reaper)) stay_up_until_stopped();
    power_off(0);
  } catch (const std::exception& e) {
    // No channel to report on (or it broke): the console is all that is left.
    console_fatal(e.what());
  }
  power_off(1);
}

}  // namespace fuselab::agent
