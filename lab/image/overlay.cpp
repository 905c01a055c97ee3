#include <chrono>

#include "common/error.h"
#include "common/subprocess.h"
#include "image/artifacts.h"

namespace fs = std::filesystem;

namespace fuselab {

void create_overlay(const fs::path& base, const fs::path& overlay) {
  if (!fs::is_regular_file(base)) throw InfraError("base image missing: " + base.string());
  if (overlay.has_parent_path()) fs::create_directories(overlay.parent_path());
  // An absolute backing path: the overlay must not depend on the directory QEMU starts in.
  CommandOptions options;
  options.timeout = std::chrono::minutes(1);
  run_checked({"qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b",
               fs::absolute(base).string(), overlay.string()},
              options, "qemu-utils");
}

}  // namespace fuselab
