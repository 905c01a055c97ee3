// Errors of the agent. A failure is reported to the host as an `error` message whose `stage`
// tells which part failed (PROTOCOL.md); AgentError carries that stage from the throw site.
#pragma once

#include <stdexcept>
#include <string>

namespace fuselab::agent {

class AgentError : public std::runtime_error {
 public:
  AgentError(std::string stage, const std::string& detail)
      : std::runtime_error(detail), stage_(std::move(stage)) {}
  const std::string& stage() const { return stage_; }

 private:
  std::string stage_;
};

// "what: strerror(err)", for messages built from a failed system call.
std::string errno_text(const std::string& what, int err);

// Throws AgentError(stage, "what: strerror(errno)").
[[noreturn]] void throw_errno(const std::string& stage, const std::string& what);

}  // namespace fuselab::agent
