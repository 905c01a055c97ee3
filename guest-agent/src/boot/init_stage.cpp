// Stage 1 (PROTOCOL.md "Boot"): pid 1 in the initramfs. Everything here either succeeds or ends in
// one "fuselab-agent: FATAL:" console line and a power-off, so the host sees a quick power-off
// rather than a timeout.
#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/module.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>

#include "boot/stages.h"
#include "boot/system.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/mounts.h"
#include "util/unique_fd.h"

namespace fuselab::agent {
namespace {

constexpr const char* kModuleList = "/etc/fuselab/modules";
constexpr const char* kNewRoot = "/newroot";
constexpr const char* kStage2 = "/usr/local/sbin/fuselab-agent";
constexpr auto kRootDeviceTimeout = std::chrono::seconds(20);

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void load_module(const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw_errno("init", "open module " + path);
  // The kernel decompresses .ko.xz/.ko.zst itself (CONFIG_MODULE_DECOMPRESS) when told to.
  bool compressed = ends_with(path, ".xz") || ends_with(path, ".zst") || ends_with(path, ".gz");
  int flags = compressed ? MODULE_INIT_COMPRESSED_FILE : 0;
  if (syscall(SYS_finit_module, fd.get(), "", flags) != 0 && errno != EEXIST)
    throw_errno("init", "finit_module " + path);
}

// Module paths one per line, dependencies first; relative paths are under /lib/modules/<release>.
void load_modules() {
  std::ifstream list(kModuleList);
  if (!list) return;  // a kernel with everything built in needs no list
  utsname u{};
  uname(&u);
  std::string line;
  while (std::getline(list, line)) {
    if (line.empty() || line[0] == '#') continue;
    load_module(line[0] == '/' ? line : std::string("/lib/modules/") + u.release + "/" + line);
  }
}

// The value of `key=` on the kernel command line (only fuselab's own keys are read).
// The last occurrence wins, as for the kernel's own parameters: the host appends a cell's
// kernel_cmdline after its defaults.
std::optional<std::string> cmdline_value(const std::string& key) {
  std::ifstream in("/proc/cmdline");
  std::string word;
  std::optional<std::string> value;
  while (in >> word)
    if (word.rfind(key + "=", 0) == 0) value = word.substr(key.size() + 1);
  return value;
}

void wait_for_device(const std::string& device) {
  auto deadline = Clock::now() + kRootDeviceTimeout;
  struct stat st {};
  while (stat(device.c_str(), &st) != 0 || !S_ISBLK(st.st_mode)) {
    if (Clock::now() >= deadline)
      throw AgentError("init", "root device " + device + " did not appear within 20 s");
    sleep_for(std::chrono::milliseconds(50));
  }
}

// Deletes the initramfs's files (its memory is not freed otherwise, and memory is what the lab
// measures), staying on its file system. Best effort, like switch_root(8).
void remove_tree(int dirfd, dev_t rootdev) {
  DIR* dir = fdopendir(dirfd);
  if (dir == nullptr) {
    close(dirfd);
    return;
  }
  while (dirent* entry = readdir(dir)) {
    std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    struct stat st {};
    if (fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || st.st_dev != rootdev)
      continue;
    if (S_ISDIR(st.st_mode)) {
      int child = openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (child >= 0) remove_tree(child, rootdev);
    }
    unlinkat(dirfd, name.c_str(), S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0);
  }
  closedir(dir);
}

void switch_root() {
  const std::string root = kNewRoot;
  for (const char* dir : {"/dev", "/proc", "/sys"}) {
    mkdir((root + dir).c_str(), 0755);
    if (mount(dir, (root + dir).c_str(), nullptr, MS_MOVE, nullptr) != 0)
      throw_errno("init", std::string("move ") + dir + " to " + root + dir);
  }
  int old_root = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (chdir(kNewRoot) != 0) throw_errno("init", "chdir " + root);
  if (mount(".", "/", nullptr, MS_MOVE, nullptr) != 0)
    throw_errno("init", "move " + root + " to /");
  if (chroot(".") != 0) throw_errno("init", "chroot");
  if (chdir("/") != 0) throw_errno("init", "chdir /");
  struct statfs fs {};
  struct stat st {};
  bool ram = old_root >= 0 && fstatfs(old_root, &fs) == 0 && fstat(old_root, &st) == 0 &&
             (fs.f_type == RAMFS_MAGIC || fs.f_type == TMPFS_MAGIC);
  if (ram)
    remove_tree(old_root, st.st_dev);
  else if (old_root >= 0)
    close(old_root);
}

}  // namespace

void run_init_stage() {
  try {
    mount_or_throw("init", "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr,
                   true);
    mount_or_throw("init", "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr,
                   true);
    mount_or_throw("init", "devtmpfs", "/dev", "devtmpfs", MS_NOSUID, nullptr, true);
    ensure_console_stdio();
    load_modules();
    std::string device = cmdline_value("fuselab.root").value_or("/dev/vda");
    wait_for_device(device);
    mount_or_throw("init", device.c_str(), kNewRoot, "ext4", 0);
    switch_root();
    char* const argv[] = {const_cast<char*>(kStage2), const_cast<char*>("guest"), nullptr};
    execv(kStage2, argv);
    throw_errno("init", std::string("exec ") + kStage2);
  } catch (const std::exception& e) {
    console_fatal(e.what());
  }
  power_off(1);
}

}  // namespace fuselab::agent
