#include "channel/spec.h"

#include "util/error.h"

namespace fuselab::agent {
namespace {

template <typename Decode>
Spec decode_or_throw(Decode decode) {
  try {
    return decode();
  } catch (const protocol::SpecError& e) {
    throw AgentError("spec", e.what());
  }
}

}  // namespace

Spec parse_spec(const nlohmann::json& j) {
  return decode_or_throw([&] { return protocol::decode_agent_spec(j); });
}

Spec parse_spec_text(const std::string& text) {
  return decode_or_throw([&] { return protocol::decode_agent_spec_text(text); });
}

Spec parse_run_message(const nlohmann::json& msg) {
  return decode_or_throw([&] { return protocol::decode_run_message(msg); });
}

bool parse_stay_up(const nlohmann::json& msg) {
  try {
    return protocol::decode_stay_up(msg);
  } catch (const protocol::SpecError& e) {
    throw AgentError("spec", e.what());
  }
}

bool parse_shell(const nlohmann::json& msg) {
  try {
    return protocol::decode_shell(msg);
  } catch (const protocol::SpecError& e) {
    throw AgentError("spec", e.what());
  }
}

}  // namespace fuselab::agent
