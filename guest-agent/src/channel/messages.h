// The protocol's vocabulary (PROTOCOL.md, version 1): one builder per guest-to-host message.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "protocol/channel.h"

namespace fuselab::agent {

// The agent's version string (`agent` in hello).
const char* agent_version();

struct Result {
  bool ok = false;
  std::uint64_t bytes_written = 0;
  std::uint64_t server_bytes_written = 0;
  double elapsed_s = 0;
  std::uint64_t block_kib = 0;
  bool fsync = false;
  std::string backend;
  std::map<std::string, std::uint64_t> server_requests;
  // Objects, documented in PROTOCOL.md.
  nlohmann::json server = nlohmann::json::object();    // what the server negotiated and did
  nlohmann::json bdi = nlohmann::json::object();       // FUSE bdi knobs
  nlohmann::json monitor = nlohmann::json::object();   // monitor setup and what it saw
  nlohmann::json cgroup = nlohmann::json::object();    // topology, read back
  nlohmann::json pressure = nlohmann::json::object();  // hog and PSI
  nlohmann::json oom = nlohmann::json::object();       // OOM kills during the cell
  nlohmann::json fio;                                  // kind "fio": its parsed report; else null
  // workload.warmup_mib: the unmeasured pass (its bytes are not in bytes_written, nor in
  // server_bytes_written); null without one.
  nlohmann::json warmup;
};

nlohmann::json hello_message();
nlohmann::json progress_message(std::uint64_t bytes_done);
nlohmann::json result_message(const Result& r);
nlohmann::json error_message(const std::string& stage, const std::string& detail);
nlohmann::json bye_message();
nlohmann::json skip_message(const std::string& reason);

}  // namespace fuselab::agent
