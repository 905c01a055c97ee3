#include "boot/system.h"

#include <fcntl.h>
#include <sys/reboot.h>
#include <unistd.h>

#include "util/unique_fd.h"

namespace fuselab::agent {
namespace {

void console_write(const std::string& line) {
  UniqueFd console(open("/dev/console", O_WRONLY | O_NOCTTY | O_CLOEXEC));
  int fd = console ? console.get() : STDERR_FILENO;
  std::size_t done = 0;
  while (done < line.size()) {
    ssize_t n = write(fd, line.data() + done, line.size() - done);
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

void console_fatal(const std::string& what) {
  console_write("fuselab-agent: FATAL: " + what + "\n");
}

void console_note(const std::string& what) { console_write("fuselab-agent: " + what + "\n"); }

void ensure_console_stdio() {
  if (fcntl(STDERR_FILENO, F_GETFD) >= 0) return;
  int fd = open("/dev/console", O_RDWR | O_NOCTTY);
  if (fd < 0) return;
  for (int target = 0; target <= 2; ++target)
    if (fd != target && fcntl(target, F_GETFD) < 0) dup2(fd, target);
  if (fd > 2) close(fd);
}

void power_off(int code) {
  if (getpid() != 1) _exit(code);
  sync();
  reboot(RB_POWER_OFF);
  for (;;) pause();  // reboot() failed: still never exit
}

}  // namespace fuselab::agent
