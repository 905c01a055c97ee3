#include "image/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>

#include "common/error.h"

namespace fuselab {

FileLock::FileLock(const std::filesystem::path& path) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd_) throw InfraError("cannot open lock " + path.string() + ": " + errno_text(errno));
  while (::flock(fd_.get(), LOCK_EX) != 0) {
    if (errno != EINTR) throw InfraError("cannot lock " + path.string() + ": " + errno_text(errno));
  }
}

}  // namespace fuselab
