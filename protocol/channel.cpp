#include "protocol/channel.h"

#include <utility>

namespace fuselab::protocol {
namespace {

constexpr std::pair<MessageType, const char*> kNames[] = {{MessageType::Run, "run"},
                                                          {MessageType::Hello, "hello"},
                                                          {MessageType::Progress, "progress"},
                                                          {MessageType::Result, "result"},
                                                          {MessageType::Error, "error"},
                                                          {MessageType::Stall, "stall"},
                                                          {MessageType::Hang, "hang"},
                                                          {MessageType::Skip, "skip"},
                                                          {MessageType::Bye, "bye"},
                                                          {MessageType::Trace, "trace"},
                                                          {MessageType::TraceEnd, "trace_end"},
                                                          {MessageType::File, "file"},
                                                          {MessageType::FileEnd, "file_end"}};

}  // namespace

const char* message_name(MessageType type) {
  for (const auto& [t, name] : kNames)
    if (t == type) return name;
  return "?";
}

std::optional<MessageType> message_type(std::string_view name) {
  for (const auto& [t, n] : kNames)
    if (name == n) return t;
  return std::nullopt;
}

}  // namespace fuselab::protocol
