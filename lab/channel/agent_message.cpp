#include "channel/agent_message.h"

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
  static const std::pair<const char*, AgentMessageType> kTypes[] = {
      {"hello", AgentMessageType::Hello},   {"progress", AgentMessageType::Progress},
      {"result", AgentMessageType::Result}, {"error", AgentMessageType::Error},
      {"stall", AgentMessageType::Stall},   {"hang", AgentMessageType::Hang},
      {"skip", AgentMessageType::Skip},     {"bye", AgentMessageType::Bye}};
  for (const auto& [name, value] : kTypes) {
    if (*type == name) msg.type = value;
  }
  if (msg.type == AgentMessageType::Invalid) {
    // Quoted in logs: printable ASCII only, whatever the guest sent.
    std::string shown;
    for (char c : type->substr(0, 40)) shown += (c >= 0x20 && c < 0x7f) ? c : '?';
    msg.problem = "unknown msg \"" + shown + "\"";
    return msg;
  }
  msg.t = json_number(body, "t").value_or(0);
  msg.body = std::move(body);
  return msg;
}

std::string make_run_message(const json& spec) {
  return json{{"msg", "run"}, {"spec", spec}}.dump() + "\n";
}

}  // namespace fuselab
