#include "server/backend.h"

#include "util/error.h"

namespace fuselab::agent {
namespace {

struct BackendEntry {
  const char* name;
  std::unique_ptr<Backend> (*make)(const ServerSpec&);
};

// The one list of backends.
constexpr BackendEntry kBackends[] = {
    {"null", make_null_backend},
    {"memory", make_memory_backend},
    {"passthrough", make_passthrough_backend},
    {"stall", make_stall_backend},
};

}  // namespace

std::vector<std::string> backend_names() {
  std::vector<std::string> names;
  for (const auto& b : kBackends) names.emplace_back(b.name);
  return names;
}

std::unique_ptr<Backend> make_backend(const ServerSpec& spec) {
  for (const auto& b : kBackends)
    if (spec.backend == b.name) return b.make(spec);
  throw AgentError("mount", "unknown backend \"" + spec.backend + "\"");
}

}  // namespace fuselab::agent
