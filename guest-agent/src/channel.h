// The host channel (PROTOCOL.md): newline-delimited JSON, one object per line, at most 64 KiB a
// line. In the guest both directions use the virtio-serial port; `local` writes to stdout.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "clock.h"
#include "unique_fd.h"

namespace fuselab::agent {

class Channel {
 public:
  static constexpr std::size_t kMaxLine = 64UL * 1024;

  // `in` may be empty (no host to read from). With `nonblocking` the fds are switched to
  // O_NONBLOCK, so that every send and receive keeps its deadline and a host that stops reading
  // cannot hang the agent (the guest's port). `local` leaves stdout as it is: it may be shared.
  Channel(UniqueFd out, UniqueFd in, bool nonblocking);

  // Adds "t" (seconds since boot) and writes one line. Throws AgentError(stage "channel") if it
  // cannot be written within `timeout`.
  void send(nlohmann::json msg, Clock::duration timeout = std::chrono::seconds(10));

  // Writes one line built by the caller (a JSON object with its own "t", newline included),
  // without allocating: the monitor's path.
  void send_line(std::string_view line, Clock::duration timeout = std::chrono::seconds(10));

  // One line parsed as a JSON object, or nullopt at the deadline. Throws AgentError(stage
  // "channel") on end of file, an over-long line or text that is not a JSON object.
  std::optional<nlohmann::json> receive(Clock::time_point deadline);

  // Waits (up to `timeout`) until everything sent has left our side of the port.
  void drain(Clock::duration timeout);

 private:
  UniqueFd out_;
  UniqueFd in_;
  std::string pending_;  // bytes received after the last complete line
};

}  // namespace fuselab::agent
