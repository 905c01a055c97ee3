// One cell of a plan, as plain data: everything needed to boot a guest and run one experiment.
// Parsed in one place (plan_loader) from YAML; the guest part is sent to the agent as JSON.
#pragma once

#include <nlohmann/json.hpp>
#include <map>
#include <string>
#include <vector>

namespace fuselab {

struct ServerSpec {
  std::string backend = "null";
  bool writeback_cache = false;
  unsigned threads = 1;
};

struct WorkloadSpec {
  std::string kind = "seq-write";
  unsigned size_mib = 64;
  unsigned block_kib = 1024;
  bool fsync = true;
};

struct CellSpec {
  std::string id;
  std::string kernel = "debian:bookworm:cloud-amd64";  // kernel source, see kernel_ref.h
  std::string image = "bookworm";                      // image recipe name under images/guest/
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
  ServerSpec server;
  WorkloadSpec workload;
};

struct Plan {
  std::string name;
  std::string source;  // the file it came from
  std::vector<CellSpec> cells;
};

// The part of the cell the guest agent runs (PROTOCOL.md "spec").
nlohmann::json guest_spec_json(const CellSpec& cell);
nlohmann::json cell_spec_json(const CellSpec& cell);

}  // namespace fuselab
