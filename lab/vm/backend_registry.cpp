#include "vm/backend_registry.h"

#include <map>
#include <mutex>

#include "common/paths.h"
#include "vm/embed_root.h"
#include "vm/libvirt_backend.h"

namespace fuselab {
namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::string, BackendFactory> factories;
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

std::string backend_scheme(const std::string& uri) {
  size_t sep = uri.find("://");
  if (sep == std::string::npos) return "";
  return uri.substr(0, std::min(sep, uri.find('+')));
}

void register_backend(const std::string& scheme, BackendFactory factory) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  if (factory)
    r.factories[scheme] = std::move(factory);
  else
    r.factories.erase(scheme);
}

std::unique_ptr<Backend> make_backend(const std::string& uri) {
  BackendFactory factory;
  {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    if (auto it = r.factories.find(backend_scheme(uri)); it != r.factories.end())
      factory = it->second;
  }
  if (factory) return factory(uri);
  // The embedded driver's slots live in the cache when its path is short (see embed_root.h).
  return std::make_unique<LibvirtBackend>(uri, embedded_driver_parent(cache_dir()));
}

}  // namespace fuselab
