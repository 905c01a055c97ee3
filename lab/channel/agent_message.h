// Messages from the guest agent (guest-agent/PROTOCOL.md), parsed defensively: a line that is
// not a JSON object with a known "msg" becomes an Invalid message with the reason, never an
// exception out of the runner.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "protocol/channel.h"

namespace fuselab {

// One list of message types for both sides (protocol/channel.h); Invalid is the host's mark for a
// refused line, and Run, which only the host sends, is refused when a guest sends it.
using AgentMessageType = protocol::MessageType;

struct AgentMessage {
  AgentMessageType type = AgentMessageType::Invalid;
  double t = 0;         // guest seconds since boot
  nlohmann::json body;  // the whole object, for the result file
  std::string problem;  // for Invalid: what was wrong
};

AgentMessage parse_agent_message(const std::string& line);

// Typed views of the fields the host uses; nullopt when a field is missing or has the wrong type.
std::optional<unsigned long long> json_u64(const nlohmann::json& obj, const char* key);
std::optional<double> json_number(const nlohmann::json& obj, const char* key);
std::optional<std::string> json_string(const nlohmann::json& obj, const char* key);
std::optional<bool> json_bool(const nlohmann::json& obj, const char* key);

}  // namespace fuselab
