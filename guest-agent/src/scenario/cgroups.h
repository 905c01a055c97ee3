// The cell's cgroup topology (spec `cgroup`): a v1 or v2 memory hierarchy (mounted by the agent
// when it is not mounted yet: in the guest the agent runs before any init system), one nested
// group with an optional memory limit, and where the server and the workload run: the
// hierarchy's root or the nested group. The agent itself never moves: it stays in the root, out
// of the tested memcg. Each child joins its group itself, first thing after fork, so that none
// of its memory is charged elsewhere.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "channel/spec.h"
#include "util/error.h"

namespace fuselab::agent {

// The kernel cannot run this cell (no v1 memory controller, no lru_gen...): the agent sends
// `skip` with the reason instead of a result.
class SkipCell : public AgentError {
 public:
  explicit SkipCell(const std::string& reason) : AgentError("skip", reason) {}
};

class CellCgroups {
 public:
  // Mounts/finds the hierarchy, creates the nested group, sets the limit and MGLRU. Throws
  // SkipCell when the kernel lacks what the spec needs, AgentError(stage "cgroup") otherwise.
  explicit CellCgroups(const CgroupSpec& spec);
  CellCgroups(const CellCgroups&) = delete;
  CellCgroups& operator=(const CellCgroups&) = delete;
  // Removes the nested group (its tasks have exited by then).
  ~CellCgroups();

  enum class Role { server, workload };
  // In the child: moves the calling process into its group and returns the group it is in now,
  // read back from /proc/self/cgroup (the child records it: it may be gone when the agent
  // verifies). Throws AgentError(stage "cgroup").
  std::string join(Role role) const;
  // The tested memcg: the nested group when the placement has one (it carries the limit), else
  // the hierarchy's root; "" for version "none". The hog joins it and the monitor watches it.
  std::string tested_dir() const;
  bool v2() const { return spec_.version == "v2"; }
  // The tested group's memory limit in bytes; 0 when it has none.
  std::uint64_t tested_limit_bytes() const;
  // In the child (the hog): joins the tested group; returns it as /proc/self/cgroup reads.
  std::string join_tested() const;
  // The result's `cgroup` object from what the children read back, plus the limit file.
  // `verified` false (and `problem` set) on any mismatch.
  nlohmann::json verify(const std::string& server_group, const std::string& workload_group) const;

 private:
  std::string group_dir(Role role) const;   // directory whose cgroup.procs the role joins
  std::string group_path(Role role) const;  // that group as /proc/PID/cgroup names it
  std::string join_dir(const std::string& dir) const;

  CgroupSpec spec_;
  std::string root_;    // hierarchy mount point
  std::string nested_;  // group name under root_, "" when none was created
  nlohmann::json mglru_;
};

}  // namespace fuselab::agent
