// The channel between host and agent (guest-agent/PROTOCOL.md): a virtio-serial port carrying
// newline-delimited JSON objects, one message per line, each with a "msg" naming its type.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace fuselab::protocol {

inline constexpr int kVersion = 1;  // `proto` in hello; the host refuses any other
inline constexpr const char* kPortName = "org.fuselab.agent.0";
// Both directions: a longer line is cut by the host and refused by the agent.
inline constexpr std::size_t kMaxLineBytes = 64UL * 1024;

enum class MessageType {
  // host to guest
  Run,
  // guest to host
  Hello,
  Progress,
  Result,
  Error,
  Stall,
  Hang,
  Skip,
  Bye,
  Trace,     // a chunk of the cell's ftrace text
  TraceEnd,  // the last line of a trace: why it was taken, its size, the events
  File,      // a chunk of a file of the cell (perf.data), base64
  FileEnd,   // the last line of a file
  // Never on the wire: the host's mark for a line it refused (not JSON, unknown or host-only
  // "msg", a bad field). message_type() never returns it.
  Invalid,
};

// The "msg" value of each type.
const char* message_name(MessageType type);
std::optional<MessageType> message_type(std::string_view name);

}  // namespace fuselab::protocol
