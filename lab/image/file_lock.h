// An exclusive advisory lock on a file, so that two fuselab runs building the same cached artifact
// wait for each other instead of both downloading or both writing it.
#pragma once

#include <filesystem>

#include "common/unique_fd.h"

namespace fuselab {

class FileLock {
 public:
  // Blocks until the lock on `path` (created if missing) is held.
  explicit FileLock(const std::filesystem::path& path);

 private:
  UniqueFd fd_;  // closing it releases the lock
};

}  // namespace fuselab
