// The cell a host asks the agent to run (PROTOCOL.md, `spec` version 1), as plain data. Parsed in
// one place, strictly: every v1 key is required and an unknown key is an error, so that a newer
// host is never silently misread. Keys added later get defaults so older hosts keep working.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace fuselab::agent {

struct ServerSpec {
  std::string backend;           // "null"
  bool writeback_cache = false;  // negotiate FUSE_CAP_WRITEBACK_CACHE in init
  unsigned threads = 1;          // 1: fuse_session_loop; N: fuse_session_loop_mt, max N threads
};

struct WorkloadSpec {
  std::string kind;  // "seq-write"
  std::uint64_t size_mib = 0;
  std::uint64_t block_kib = 0;
  bool fsync = false;
};

struct Spec {
  ServerSpec server;
  WorkloadSpec workload;
};

// Throws AgentError(stage "spec") naming the key, e.g. "server.threads: want an integer in
// [1, 64], got 0" or "workload.colour: unknown key".
Spec parse_spec(const nlohmann::json& j);

// Parses text first (errors are stage "spec" too).
Spec parse_spec_text(const std::string& text);

}  // namespace fuselab::agent
