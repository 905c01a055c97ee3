// Error classes shared by every layer. The split matters to users: a UserError is their input
// (exit 2), an InfraError is the lab or the host failing (retried, exit 3), never a kernel result.
#pragma once

#include <stdexcept>
#include <string>

namespace fuselab {

// Bad input from the user: a plan, a path, a flag. `hint` says how to fix it.
class UserError : public std::runtime_error {
 public:
  explicit UserError(const std::string& what, std::string hint = {})
      : std::runtime_error(what), hint_(std::move(hint)) {}
  const std::string& hint() const { return hint_; }

 private:
  std::string hint_;
};

// The host, libvirt, QEMU or a tool failed: not a property of the kernel under test.
class InfraError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The user asked us to stop (SIGINT, SIGTERM) while we waited: exit 130, nothing was cached.
class Interrupted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// errno text, for messages that wrap a failed system call.
std::string errno_text(int err);

}  // namespace fuselab
