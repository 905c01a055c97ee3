// One cell of a plan, as plain data: everything needed to boot a guest and run one experiment.
// Parsed in one place (plan_loader) from YAML; the guest part is sent to the agent as JSON.
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "protocol/agent_spec.h"

namespace fuselab {

// The part of the cell the agent runs: the protocol's structs (protocol/agent_spec.h), shared
// with the agent so that both sides read the same fields with the same defaults.
using protocol::CgroupSpec;
using protocol::MonitorSpec;
using protocol::PressureSpec;
using protocol::ServerSpec;
using protocol::WorkloadSpec;

// Where a value was written in the plan file: for errors found after loading, such as a kernel
// value that cannot work, which still name file, line and key.
struct ValueOrigin {
  std::string file;
  int line = 0;  // 0: not from a file (a default)
  int column = 0;
  std::string key;
};

struct CellSpec {
  std::string id;
  std::string kernel = "debian:bookworm:cloud-amd64";  // kernel source, see kernel_ref.h
  std::string image = "bookworm";                      // image recipe name under images/guest/
  ValueOrigin kernel_origin, image_origin;
  unsigned memory_mib = 1024;
  unsigned vcpus = 2;
  unsigned boot_timeout_s = 60;     // boot to the agent's hello
  unsigned cell_timeout_s = 300;    // whole cell, boot included
  unsigned silence_timeout_s = 60;  // no console and no channel output at all
  unsigned infra_retries = 1;       // extra attempts when the lab, not the kernel, failed
  std::string expect = "PASS";      // verdict name the cell should get
  std::string expect_signature;     // if set, the result's signature must contain it
  std::string kernel_cmdline;       // appended to fuselab's own kernel parameters
  // The axis values that made this cell (axis name -> value), empty for a listed cell.
  std::map<std::string, std::string> axes;
  // After the agent reported a stall or hang, how long to keep collecting evidence (blocked-task
  // stacks, more hung-task reports) before the host ends the cell.
  unsigned evidence_s = 10;
  // The cell ends sooner once the evidence is in (the report, its trace, a quiet console) and
  // nothing progressed for this long after the report: no progress tells HANG from SLOW.
  unsigned confirm_s = 3;
  // Runs alone even with -j > 1: for cells whose throughput is the result.
  bool exclusive = false;
  // On HANG/STALL, dump the guest's memory to the cell's vmcore (run/memory_dump.h).
  bool dump_on_hang = false;
  // A file or directory on the host (a FUSE server author's own build) put into the cell's image
  // under kUploadDir; server.exec names it as "{upload}". Empty: nothing uploaded.
  std::string upload;
  ValueOrigin upload_origin;
  ServerSpec server;
  WorkloadSpec workload;
  MonitorSpec monitor;
  CgroupSpec cgroup;
  PressureSpec pressure;
};

struct Plan {
  std::string name;
  std::string source;  // the file it came from
  std::vector<CellSpec> cells;
};

// Where an upload lands in the guest: kUploadDir/<the host path's last component>.
inline constexpr const char* kUploadDir = "/usr/local/lib/fuselab/upload";
std::string upload_guest_path(const CellSpec& cell);           // empty without an upload
std::string upload_name(const CellSpec& cell);                 // the host path's last component
std::filesystem::path upload_host_path(const CellSpec& cell);  // absolute, no trailing '/'

// The part of the cell the guest agent runs (PROTOCOL.md "spec"), and its JSON as sent; the host
// replaces "{upload}" in server.exec with upload_guest_path().
protocol::AgentSpec agent_spec(const CellSpec& cell);
nlohmann::json guest_spec_json(const CellSpec& cell);
nlohmann::json cell_spec_json(const CellSpec& cell);

}  // namespace fuselab
