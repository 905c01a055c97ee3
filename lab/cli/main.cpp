#include <unistd.h>

#include <cstdlib>
#include <string>

#include "cli/cli.h"
#include "common/paths.h"

int main(int argc, char** argv) {
  // libguestfs initialises libvirt from a library constructor, before main(), and libvirt reads
  // LIBVIRT_LOG_OUTPUTS only then; the embedded QEMU driver would otherwise print its info and
  // warnings on our stderr. So set it and start again, once. A user's own setting is kept.
  if (!std::getenv("LIBVIRT_LOG_OUTPUTS")) {
    // Errors only, and to a file: fuselab reports the errors that matter itself, and libvirt
    // logs expected ones too (e.g. "Domain not found" for a guest that just powered off).
    // An unusable cache directory is reported by the commands that need it, not here: `--help`
    // must work whatever FUSELAB_CACHE_DIR says. Without it, libvirt's errors go to stderr.
    auto dir = fuselab::cache_dir_path();
    std::string log = fuselab::cache_dir_problem(dir) ? std::string("4:stderr")
                                                      : "4:file:" + (dir / "libvirt.log").string();
    ::setenv("LIBVIRT_LOG_OUTPUTS", log.c_str(), 1);
    ::execv("/proc/self/exe", argv);  // on failure, carry on with libvirt's default log
  }
  return fuselab::cli_main(argc, argv);
}
