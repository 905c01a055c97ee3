#include "vm/embed_root.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "common/error.h"
#include "common/hash.h"

namespace fs = std::filesystem;

namespace fuselab {

namespace {

// Where the slots are for `cache`, and whether that is the short directory under /tmp.
std::pair<fs::path, bool> parent_for(const fs::path& cache) {
  fs::path parent = cache / "libvirt";
  // The slot roots are PARENT/0 .. PARENT/7.
  if (parent.string().size() + 2 <= kMaxEmbedRootLength) return {parent, false};
  const std::string key = std::to_string(::getuid()) + "\n" + fs::absolute(cache).string();
  return {fs::path("/tmp") / ("fuselab-" + sha256_hex(key).substr(0, 8)), true};
}

bool is_private_dir(const fs::path& dir) {
  struct stat st {};
  return ::lstat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == ::getuid() &&
         (st.st_mode & 0077) == 0;
}

}  // namespace

fs::path embedded_driver_parent(const fs::path& cache) {
  auto [parent, short_dir] = parent_for(cache);
  if (!short_dir) return parent;
  if (::mkdir(parent.c_str(), 0700) != 0 && errno != EEXIST)
    throw UserError("cannot create " + parent.string() + ": " + std::strerror(errno),
                    "the libvirt slots of cache " + cache.string() +
                        " need a short path there (its own is too long for QEMU's sockets)");
  if (!is_private_dir(parent))
    throw UserError(parent.string() + " is not a directory of ours with mode 0700",
                    "remove it; fuselab keeps the libvirt slots of cache " + cache.string() +
                        " there because that cache's path is too long for QEMU's sockets");
  return parent;
}

std::optional<fs::path> existing_embedded_driver_parent(const fs::path& cache) {
  auto [parent, short_dir] = parent_for(cache);
  if (!short_dir) return parent;
  if (!is_private_dir(parent)) return std::nullopt;
  return parent;
}

}  // namespace fuselab
