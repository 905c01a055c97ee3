#include <unistd.h>

#include <cstdlib>

#include "cli/cli.h"

int main(int argc, char** argv) {
  // libguestfs initialises libvirt from a library constructor, before main(), and libvirt reads
  // LIBVIRT_LOG_OUTPUTS only then; the embedded QEMU driver would otherwise print its info and
  // warnings on our stderr. So set it and start again, once. A user's own setting is kept.
  if (!std::getenv("LIBVIRT_LOG_OUTPUTS")) {
    ::setenv("LIBVIRT_LOG_OUTPUTS", "4:stderr", 1);
    ::execv("/proc/self/exe", argv);  // on failure, carry on with libvirt's default log
  }
  return fuselab::cli_main(argc, argv);
}
