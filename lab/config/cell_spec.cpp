#include "config/cell_spec.h"

namespace fuselab {

using nlohmann::json;

protocol::AgentSpec agent_spec(const CellSpec& cell) {
  return {cell.server, cell.workload, cell.monitor, cell.cgroup, cell.pressure};
}

json guest_spec_json(const CellSpec& cell) { return protocol::encode_agent_spec(agent_spec(cell)); }

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
  if (cell.dump_on_hang) j["dump_on_hang"] = true;
  j["expect"] = cell.expect;
  if (!cell.expect_signature.empty()) j["expect_signature"] = cell.expect_signature;
  j["axes"] = cell.axes;
  j["kernel_cmdline"] = cell.kernel_cmdline;
  return j;
}

}  // namespace fuselab
