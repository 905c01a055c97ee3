#include "config/cell_spec.h"

namespace fuselab {

using nlohmann::json;

json guest_spec_json(const CellSpec& cell) {
  const ServerSpec& s = cell.server;
  json server = {{"backend", s.backend},       {"writeback_cache", s.writeback_cache},
                 {"threads", s.threads},       {"alloc_per_write_kib", s.alloc_per_write_kib},
                 {"alloc_mode", s.alloc_mode}, {"splice", s.splice},
                 {"io_flusher", s.io_flusher}};
  if (s.backend == "stall") server["stall_after_bytes"] = s.stall_after_bytes;
  if (s.max_write) server["max_write"] = s.max_write;  // 0: leave libfuse's default
  if (s.max_ratio) server["max_ratio"] = *s.max_ratio;
  if (s.strict_limit) server["strict_limit"] = *s.strict_limit;
  if (s.backend == "external") server["exec"] = s.exec;
  json workload = {{"kind", cell.workload.kind},
                   {"size_mib", cell.workload.size_mib},
                   {"block_kib", cell.workload.block_kib},
                   {"fsync", cell.workload.fsync}};
  if (cell.workload.kind == "fio") workload["jobs"] = cell.workload.jobs;
  json j{{"server", server},
         {"monitor",
          {{"stall_after_s", cell.monitor.stall_after_s},
           {"sysrq", cell.monitor.sysrq},
           {"on_stall", cell.monitor.on_stall},
           {"hung_task_timeout_secs", cell.monitor.hung_task_timeout_secs}}},
         {"cgroup",
          {{"version", cell.cgroup.version},
           {"placement", cell.cgroup.placement},
           {"memory_limit_mib", cell.cgroup.memory_limit_mib},
           {"mglru", cell.cgroup.mglru}}},
         {"workload", workload}};
  // Only when asked for: an older agent rejects the key, and a cell without pressure needs none.
  if (cell.pressure.hog_percent != 0 || cell.pressure.hog_mib != 0) {
    j["pressure"] = cell.pressure.hog_mib != 0 ? json{{"hog_mib", cell.pressure.hog_mib}}
                                               : json{{"hog_percent", cell.pressure.hog_percent}};
  }
  return j;
}

json cell_spec_json(const CellSpec& cell) {
  json j = guest_spec_json(cell);
  j["id"] = cell.id;
  j["kernel"] = cell.kernel;
  j["image"] = cell.image;
  j["memory_mib"] = cell.memory_mib;
  j["vcpus"] = cell.vcpus;
  j["timeouts"] = {{"boot_s", cell.boot_timeout_s},
                   {"cell_s", cell.cell_timeout_s},
                   {"silence_s", cell.silence_timeout_s}};
  j["infra_retries"] = cell.infra_retries;
  j["evidence_s"] = cell.evidence_s;
  j["exclusive"] = cell.exclusive;
  j["expect"] = cell.expect;
  if (!cell.expect_signature.empty()) j["expect_signature"] = cell.expect_signature;
  j["axes"] = cell.axes;
  j["kernel_cmdline"] = cell.kernel_cmdline;
  return j;
}

}  // namespace fuselab
