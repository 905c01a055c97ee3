#include "channel/agent_message.h"

#include "protocol/base64.h"
#include "protocol/channel.h"

namespace fuselab {

using nlohmann::json;

std::optional<unsigned long long> json_u64(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_number_unsigned()) return std::nullopt;
  return it->get<unsigned long long>();
}

std::optional<double> json_number(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

std::optional<std::string> json_string(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<bool> json_bool(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_boolean()) return std::nullopt;
  return it->get<bool>();
}

AgentMessage parse_agent_message(const std::string& line) {
  AgentMessage msg;
  // Depth is bounded by the line length (64 KiB); nlohmann parses without recursion limits, so
  // refuse absurd nesting before parsing.
  size_t depth = 0, max_depth = 0;
  for (char c : line) {
    if (c == '{' || c == '[') max_depth = std::max(max_depth, ++depth);
    if ((c == '}' || c == ']') && depth > 0) --depth;
  }
  if (max_depth > 16) {
    msg.problem = "nesting deeper than 16";
    return msg;
  }
  json body = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    msg.problem = "not a JSON object";
    return msg;
  }
  auto type = json_string(body, "msg");
  if (!type) {
    msg.problem = "no \"msg\" field";
    return msg;
  }
  // The host's view of the guest's messages: a "run" from the guest is as unknown as "colour".
  if (auto wire = protocol::message_type(*type); wire && *wire != AgentMessageType::Run)
    msg.type = *wire;
  if (msg.type == AgentMessageType::Invalid) {
    // Quoted in logs: printable ASCII only, whatever the guest sent.
    std::string shown;
    for (char c : type->substr(0, 40)) shown += (c >= 0x20 && c < 0x7f) ? c : '?';
    msg.problem = "unknown msg \"" + shown + "\"";
    return msg;
  }
  // Trace lines are written to a file as they come: their fields are checked here, strictly.
  if (msg.type == AgentMessageType::Trace &&
      (!json_u64(body, "seq") || !json_string(body, "data"))) {
    msg.type = AgentMessageType::Invalid;
    msg.problem = "trace without an integer seq and a string data";
    return msg;
  }
  if (msg.type == AgentMessageType::TraceEnd &&
      (!json_string(body, "reason") || !json_u64(body, "bytes") || !json_u64(body, "chunks"))) {
    msg.type = AgentMessageType::Invalid;
    msg.problem = "trace_end without a string reason and integer bytes and chunks";
    return msg;
  }
  // Files: only the names the host expects (they become file names in the cell directory), and
  // base64 that decodes; the decoded bytes replace "data".
  if (msg.type == AgentMessageType::File || msg.type == AgentMessageType::FileEnd) {
    if (json_string(body, "name").value_or("") != "perf.data") {
      msg.type = AgentMessageType::Invalid;
      msg.problem = "file with a name other than perf.data";
      return msg;
    }
    if (msg.type == AgentMessageType::File) {
      auto data = json_string(body, "data");
      auto bytes = data ? protocol::base64_decode(*data) : std::nullopt;
      if (!json_u64(body, "seq") || !bytes) {
        msg.type = AgentMessageType::Invalid;
        msg.problem = "file without an integer seq and base64 data";
        return msg;
      }
      body["data"] = std::move(*bytes);  // raw bytes: not for JSON output
    } else if (!json_u64(body, "bytes") || !json_u64(body, "chunks")) {
      msg.type = AgentMessageType::Invalid;
      msg.problem = "file_end without integer bytes and chunks";
      return msg;
    }
  }
  msg.t = json_number(body, "t").value_or(0);
  msg.body = std::move(body);
  return msg;
}

}  // namespace fuselab
