#include "scenario/cgroups.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "util/kernel_file.h"

namespace fuselab::agent {
namespace {

constexpr const char* kLruGen = "/sys/kernel/mm/lru_gen/enabled";

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::string all, line;
  while (std::getline(in, line)) all += (all.empty() ? "" : "\n") + line;
  return all;
}

bool write_text(const std::string& path, const std::string& value) {
  return write_kernel_file(path.c_str(), value);
}

// Mount point of the v2 hierarchy, or of the v1 hierarchy holding the memory controller.
std::string find_hierarchy(bool v2) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    // id parent dev root mountpoint options [optional...] - fstype source superoptions
    std::istringstream f(line);
    std::string id, parent, dev, root, mountpoint, word;
    f >> id >> parent >> dev >> root >> mountpoint;
    while (f >> word && word != "-") {
    }
    std::string fstype, source, super;
    f >> fstype >> source >> super;
    if (v2 && fstype == "cgroup2") return mountpoint;
    if (!v2 && fstype == "cgroup" && ("," + super + ",").find(",memory,") != std::string::npos)
      return mountpoint;
  }
  return "";
}

bool is_mount_point(const std::string& path) {
  std::ifstream in("/proc/self/mountinfo");
  std::string id, parent, dev, root, mountpoint, rest;
  while (in >> id >> parent >> dev >> root >> mountpoint) {
    std::getline(in, rest);
    if (mountpoint == path) return true;
  }
  return false;
}

// Mounts the hierarchy the way the guest needs it (nothing else mounted cgroups there).
std::string mount_hierarchy(bool v2) {
  const std::string base = "/sys/fs/cgroup";
  // Something else owns /sys/fs/cgroup (a host's init system): never mount over it, never
  // mkdir in it (in a cgroup2 mount that would create a cgroup).
  if (is_mount_point(base))
    throw SkipCell(std::string("no cgroup ") + (v2 ? "v2 hierarchy" : "v1 memory hierarchy") +
                   " mounted, and " + base + " is already mounted by someone else");
  if (v2) {
    if (mount("cgroup2", base.c_str(), "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
      throw SkipCell(errno_text("cgroup v2 unavailable: mount cgroup2 on " + base, errno));
    return base;
  }
  if (mount("tmpfs", base.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "mode=755") != 0)
    throw_errno("cgroup", "mount tmpfs on " + base);
  const std::string dir = base + "/memory";
  mkdir(dir.c_str(), 0755);
  // Without CONFIG_MEMCG_V1 (optional since 6.11) the v1 memory controller does not exist.
  if (mount("cgroup", dir.c_str(), "cgroup", MS_NOSUID | MS_NODEV | MS_NOEXEC, "memory") != 0)
    throw SkipCell(errno_text("no cgroup v1 memory controller: mount -t cgroup -o memory", errno));
  return dir;
}

}  // namespace

CellCgroups::CellCgroups(const CgroupSpec& spec) : spec_(spec) {
  if (spec_.mglru != "default") {
    if (access(kLruGen, F_OK) != 0)
      throw SkipCell(std::string("no lru_gen: ") + kLruGen + " missing");
    if (!write_text(kLruGen, spec_.mglru == "on" ? "y" : "n"))
      throw AgentError("cgroup", std::string("cannot write ") + kLruGen);
  }
  mglru_ = access(kLruGen, F_OK) == 0 ? nlohmann::json(read_text(kLruGen)) : nlohmann::json();
  if (spec_.version == "none") return;
  const bool v2 = spec_.version == "v2";
  root_ = find_hierarchy(v2);
  if (root_.empty()) root_ = mount_hierarchy(v2);
  if (v2 && read_text(root_ + "/cgroup.controllers").find("memory") == std::string::npos)
    throw SkipCell("no memory controller in cgroup v2 (" + root_ +
                   "/cgroup.controllers; bound to a v1 hierarchy?)");
  if (spec_.placement == "both-root") return;
  if (v2 && !write_text(root_ + "/cgroup.subtree_control", "+memory"))
    throw AgentError("cgroup", "cannot enable +memory in " + root_ + "/cgroup.subtree_control");
  nested_ = "fuselab-" + std::to_string(getpid());
  const std::string dir = root_ + "/" + nested_;
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) throw_errno("cgroup", "mkdir " + dir);
  if (spec_.memory_limit_mib != 0) {
    std::string file = dir + (v2 ? "/memory.max" : "/memory.limit_in_bytes");
    if (!write_text(file, std::to_string(spec_.memory_limit_mib << 20)))
      throw AgentError("cgroup", "cannot write " + file);
  }
}

CellCgroups::~CellCgroups() {
  if (!nested_.empty()) rmdir((root_ + "/" + nested_).c_str());
}

std::string CellCgroups::group_dir(Role role) const {
  bool nested = spec_.placement == "both-nested" ||
                (spec_.placement == "server-root" && role == Role::workload) ||
                (spec_.placement == "workload-root" && role == Role::server);
  return nested ? root_ + "/" + nested_ : root_;
}

std::string CellCgroups::group_path(Role role) const {
  std::string dir = group_dir(role);
  return dir == root_ ? "/" : "/" + nested_;
}

std::string CellCgroups::tested_dir() const {
  if (spec_.version == "none") return "";
  return nested_.empty() ? root_ : root_ + "/" + nested_;
}

std::uint64_t CellCgroups::tested_limit_bytes() const {
  return nested_.empty() ? 0 : spec_.memory_limit_mib << 20;
}

std::string CellCgroups::join_tested() const { return join_dir(tested_dir()); }

std::string CellCgroups::join(Role role) const { return join_dir(group_dir(role)); }

std::string CellCgroups::join_dir(const std::string& dir) const {
  if (spec_.version == "none") return "";
  std::string procs = dir + "/cgroup.procs";
  if (!write_text(procs, "0"))  // "0": the writing process itself
    throw AgentError("cgroup", "cannot join " + procs);
  std::istringstream lines(read_text("/proc/self/cgroup"));
  std::string line;
  const bool v2 = spec_.version == "v2";
  while (std::getline(lines, line)) {
    // "id:controllers:path"; v2 is "0::path", v1 lists the hierarchy's controllers.
    auto a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    // Appended, not `"," + std::string&&`: GCC 12 -O3's false -Wrestrict (GCC bug 105329).
    std::string controllers = ",";
    controllers.append(line, a + 1, b - a - 1).append(",");
    if ((v2 && line.compare(0, a, "0") == 0 && controllers == ",,") ||
        (!v2 && controllers.find(",memory,") != std::string::npos))
      return line.substr(b + 1);
  }
  return "?";
}

nlohmann::json CellCgroups::verify(const std::string& server_group,
                                   const std::string& workload_group) const {
  nlohmann::json report = {{"version", spec_.version},
                           {"placement", spec_.placement},
                           {"mglru", mglru_},
                           {"verified", true}};
  if (spec_.version == "none") return report;
  const bool v2 = spec_.version == "v2";
  report["hierarchy"] = root_;
  std::string problem;
  for (auto [name, seen, role] : {std::tuple{"server", server_group, Role::server},
                                  std::tuple{"workload", workload_group, Role::workload}}) {
    std::string want = group_path(role);
    report[name] = seen;
    if (seen != want) problem += std::string(name) + " in " + seen + ", want " + want + "; ";
  }
  if (!nested_.empty()) {
    const std::string dir = root_ + "/" + nested_;
    std::string limit = read_text(dir + (v2 ? "/memory.max" : "/memory.limit_in_bytes"));
    report["memory_limit"] = limit;
    if (spec_.memory_limit_mib != 0 && limit != std::to_string(spec_.memory_limit_mib << 20))
      problem += "limit reads " + limit + "; ";
  }
  if (!problem.empty()) {
    report["verified"] = false;
    report["problem"] = problem;
  }
  return report;
}

}  // namespace fuselab::agent
