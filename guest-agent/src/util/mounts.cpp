#include "util/mounts.h"

#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "util/error.h"

namespace fuselab::agent {
namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto octal = [&](std::size_t k) { return k < s.size() && s[k] >= '0' && s[k] <= '7'; };
    // Exactly three octal digits, else the backslash is kept as it is (never a throw).
    if (s[i] == '\\' && octal(i + 1) && octal(i + 2) && octal(i + 3)) {
      out +=
          static_cast<char>(((s[i + 1] - '0') << 6) | ((s[i + 2] - '0') << 3) | (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> mounted_device(const std::string& path) {
  char resolved[PATH_MAX];
  std::string want = realpath(path.c_str(), resolved) != nullptr ? resolved : path;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  std::optional<std::string> found;
  while (std::getline(in, line)) {
    // id parent major:minor root mountpoint ...
    std::istringstream fields(line);
    std::string id, parent, dev, root, mountpoint;
    fields >> id >> parent >> dev >> root >> mountpoint;
    if (unescape(mountpoint) == want) found = dev;  // the last one is on top
  }
  return found;
}

void mount_or_throw(const std::string& stage, const char* source, const std::string& target,
                    const char* type, unsigned long flags, const char* data, bool ok_if_busy) {
  mkdir(target.c_str(), 0755);
  if (mount(source, target.c_str(), type, flags, data) == 0) return;
  if (ok_if_busy && errno == EBUSY) return;
  throw_errno(stage, std::string("mount ") +
                         (type     ? type
                          : source ? source
                                   : "") +
                         " on " + target);
}

}  // namespace fuselab::agent
