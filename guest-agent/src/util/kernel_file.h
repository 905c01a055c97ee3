// Writing a value to a kernel file (/proc/sys, sysfs, cgroupfs, tracefs): one open, one write(),
// no allocation, so the monitor may call it in its loop. False when the file cannot be opened or
// the kernel refuses the value (a cgroup file's EINVAL, a read-only sysctl).
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <string_view>

#include "util/unique_fd.h"

namespace fuselab::agent {

inline bool write_kernel_file(const char* path, std::string_view value, int flags = 0) {
  UniqueFd fd(open(path, O_WRONLY | O_CLOEXEC | flags));
  if (!fd) return false;
  return write(fd.get(), value.data(), value.size()) == static_cast<ssize_t>(value.size());
}

}  // namespace fuselab::agent
