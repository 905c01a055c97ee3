#include "matrix/axes.h"

#include <cstdint>

namespace fuselab {
namespace {

std::string text(bool b) { return b ? "true" : "false"; }
std::string text(unsigned n) { return std::to_string(n); }
std::string text(std::uint64_t n) { return std::to_string(n); }
const std::string& text(const std::string& s) { return s; }

}  // namespace

const std::vector<AxisDef>& axis_defs() {
  static const std::vector<AxisDef> defs = {
      {"kernel", {"kernel"}, [](const CellSpec& c) { return text(c.kernel); }},
      {"image", {"image"}, [](const CellSpec& c) { return text(c.image); }},
      {"memory_mib", {"memory_mib"}, [](const CellSpec& c) { return text(c.memory_mib); }},
      {"vcpus", {"vcpus"}, [](const CellSpec& c) { return text(c.vcpus); }},
      {"backend", {"server", "backend"}, [](const CellSpec& c) { return text(c.server.backend); }},
      {"writeback_cache",
       {"server", "writeback_cache"},
       [](const CellSpec& c) { return text(c.server.writeback_cache); }},
      {"threads", {"server", "threads"}, [](const CellSpec& c) { return text(c.server.threads); }},
      {"workload", {"workload", "kind"}, [](const CellSpec& c) { return text(c.workload.kind); }},
      {"size_mib",
       {"workload", "size_mib"},
       [](const CellSpec& c) { return text(c.workload.size_mib); }},
      {"block_kib",
       {"workload", "block_kib"},
       [](const CellSpec& c) { return text(c.workload.block_kib); }},
      {"fsync", {"workload", "fsync"}, [](const CellSpec& c) { return text(c.workload.fsync); }},
      {"alloc_per_write_kib",
       {"server", "alloc_per_write_kib"},
       [](const CellSpec& c) { return text(c.server.alloc_per_write_kib); }},
      {"write_delay_us",
       {"server", "write_delay_us"},
       [](const CellSpec& c) { return text(c.server.write_delay_us); }},
      {"io_flusher",
       {"server", "io_flusher"},
       [](const CellSpec& c) { return text(c.server.io_flusher); }},
      {"max_write",
       {"server", "max_write"},
       [](const CellSpec& c) { return text(c.server.max_write); }},
      {"splice", {"server", "splice"}, [](const CellSpec& c) { return text(c.server.splice); }},
      {"cgroup", {"cgroup", "version"}, [](const CellSpec& c) { return text(c.cgroup.version); }},
      {"placement",
       {"cgroup", "placement"},
       [](const CellSpec& c) { return text(c.cgroup.placement); }},
      {"memory_limit_mib",
       {"cgroup", "memory_limit_mib"},
       [](const CellSpec& c) { return text(c.cgroup.memory_limit_mib); }},
      {"mglru", {"cgroup", "mglru"}, [](const CellSpec& c) { return text(c.cgroup.mglru); }},
      {"hog_percent",
       {"pressure", "hog_percent"},
       [](const CellSpec& c) { return text(c.pressure.hog_percent); }},
  };
  return defs;
}

const AxisDef* find_axis(const std::string& name) {
  for (const auto& d : axis_defs()) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

std::vector<std::string> axis_names() {
  std::vector<std::string> names;
  for (const auto& d : axis_defs()) names.push_back(d.name);
  return names;
}

}  // namespace fuselab
