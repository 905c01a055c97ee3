#include "util/error.h"

#include <cerrno>
#include <cstring>

namespace fuselab::agent {

std::string errno_text(const std::string& what, int err) {
  return what + ": " + std::strerror(err);
}

void throw_errno(const std::string& stage, const std::string& what) {
  throw AgentError(stage, errno_text(what, errno));
}

}  // namespace fuselab::agent
