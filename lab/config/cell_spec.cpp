#include "config/cell_spec.h"

#include <filesystem>

namespace fuselab {

using nlohmann::json;

std::filesystem::path upload_host_path(const CellSpec& cell) {
  if (cell.upload.empty()) return {};
  // "build/myfs/" names the directory myfs, as "build/myfs" does.
  std::filesystem::path host = std::filesystem::absolute(cell.upload);
  return host.has_filename() ? host : host.parent_path();
}

std::string upload_name(const CellSpec& cell) {
  const std::filesystem::path host(cell.upload);
  return (host.has_filename() ? host : host.parent_path()).filename().string();
}

std::string upload_guest_path(const CellSpec& cell) {
  return cell.upload.empty() ? std::string() : std::string(kUploadDir) + "/" + upload_name(cell);
}

protocol::AgentSpec agent_spec(const CellSpec& cell) {
  protocol::AgentSpec spec{cell.server, cell.workload, cell.monitor, cell.cgroup, cell.pressure};
  const std::string guest = upload_guest_path(cell);
  if (guest.empty()) return spec;
  const std::string placeholder = "{upload}";
  for (auto& arg : spec.server.exec) {
    std::size_t at = 0;
    while ((at = arg.find(placeholder, at)) != std::string::npos) {
      arg.replace(at, placeholder.size(), guest);
      at += guest.size();
    }
  }
  return spec;
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
  j["confirm_s"] = cell.confirm_s;
  j["exclusive"] = cell.exclusive;
  if (cell.dump_on_hang) j["dump_on_hang"] = true;
  if (!cell.upload.empty())
    j["upload"] = {{"host", cell.upload}, {"guest", upload_guest_path(cell)}};
  j["expect"] = cell.expect;
  if (!cell.expect_signature.empty()) j["expect_signature"] = cell.expect_signature;
  j["axes"] = cell.axes;
  j["kernel_cmdline"] = cell.kernel_cmdline;
  return j;
}

}  // namespace fuselab
