#include "vm/embed_root.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "common/error.h"
#include "common/hash.h"

namespace fs = std::filesystem;

namespace fuselab {

fs::path embedded_driver_parent(const fs::path& cache) {
  fs::path parent = cache / "libvirt";
  // The slot roots are PARENT/0 .. PARENT/7.
  if (parent.string().size() + 2 <= kMaxEmbedRootLength) return parent;
  const std::string key = std::to_string(::getuid()) + "\n" + fs::absolute(cache).string();
  fs::path short_parent = fs::path("/tmp") / ("fuselab-" + sha256_hex(key).substr(0, 8));
  if (::mkdir(short_parent.c_str(), 0700) != 0 && errno != EEXIST)
    throw UserError("cannot create " + short_parent.string() + ": " + std::strerror(errno),
                    "the libvirt slots of cache " + cache.string() +
                        " need a short path there (its own is too long for QEMU's sockets)");
  struct stat st {};
  if (::lstat(short_parent.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::getuid() ||
      (st.st_mode & 0077) != 0)
    throw UserError(short_parent.string() + " is not a directory of ours with mode 0700",
                    "remove it; fuselab keeps the libvirt slots of cache " + cache.string() +
                        " there because that cache's path is too long for QEMU's sockets");
  return short_parent;
}

}  // namespace fuselab
