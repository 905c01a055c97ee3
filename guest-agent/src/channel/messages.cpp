#include "channel/messages.h"

#include <sys/utsname.h>

#ifndef FUSELAB_AGENT_VERSION
#define FUSELAB_AGENT_VERSION "unknown"
#endif

namespace fuselab::agent {

const char* agent_version() { return FUSELAB_AGENT_VERSION; }

nlohmann::json hello_message() {
  utsname u{};
  uname(&u);
  return {{"msg", protocol::message_name(protocol::MessageType::Hello)},
          {"proto", protocol::kVersion},
          {"agent", agent_version()},
          {"kernel", u.release}};
}

nlohmann::json progress_message(std::uint64_t bytes_done) {
  return {{"msg", protocol::message_name(protocol::MessageType::Progress)},
          {"bytes_done", bytes_done}};
}

nlohmann::json result_message(const Result& r) {
  double mib = static_cast<double>(r.bytes_written) / (1024.0 * 1024.0);
  return {{"msg", protocol::message_name(protocol::MessageType::Result)},
          {"ok", r.ok},
          {"bytes_written", r.bytes_written},
          {"server_bytes_written", r.server_bytes_written},
          {"elapsed_s", r.elapsed_s},
          {"mib_per_s", r.elapsed_s > 0 ? mib / r.elapsed_s : 0.0},
          {"block_kib", r.block_kib},
          {"fsync", r.fsync},
          {"backend", r.backend},
          {"server_requests", r.server_requests},
          {"server", r.server},
          {"bdi", r.bdi},
          {"monitor", r.monitor},
          {"cgroup", r.cgroup},
          {"pressure", r.pressure},
          {"oom", r.oom},
          {"fio", r.fio},
          {"warmup", r.warmup}};
}

nlohmann::json error_message(const std::string& stage, const std::string& detail) {
  return {{"msg", protocol::message_name(protocol::MessageType::Error)},
          {"stage", stage},
          {"detail", detail}};
}

nlohmann::json skip_message(const std::string& reason) {
  return {{"msg", protocol::message_name(protocol::MessageType::Skip)}, {"reason", reason}};
}

nlohmann::json bye_message() {
  return {{"msg", protocol::message_name(protocol::MessageType::Bye)}};
}

}  // namespace fuselab::agent
