// An exclusive advisory lock on a file, so that two fuselab runs building the same cached artifact
// (or writing the same results directory) wait for each other instead of both writing it.
//
// The holder writes who it is into the lock file (pid, command, start time), so a waiter can say
// what it waits for. Every wait has a deadline and ends early when a stop is requested (Ctrl-C:
// common/stop_request.h).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "common/unique_fd.h"

namespace fuselab {

// How long a wait for a cache lock may take by default: longer than the longest thing done under
// one (a cold kernel build on a small machine). $FUSELAB_LOCK_TIMEOUT_S overrides it.
std::chrono::seconds default_lock_timeout();

class FileLock {
 public:
  // Waits until the lock on `path` (created if missing) is held. Throws InfraError naming the
  // holder when `timeout` passes, Interrupted when a stop is requested.
  explicit FileLock(const std::filesystem::path& path,
                    std::chrono::milliseconds timeout = default_lock_timeout());
  FileLock(FileLock&& other) noexcept : fd_(std::move(other.fd_)) {}
  FileLock& operator=(FileLock&& other) noexcept {
    fd_ = std::move(other.fd_);
    return *this;
  }
  ~FileLock();

  // The lock if nobody holds it, else nothing (and `holder`, if given, says who does).
  static std::optional<FileLock> try_lock(const std::filesystem::path& path,
                                          std::string* holder = nullptr);

  // True when some process holds the lock on `path` (a missing file is not held).
  static bool held(const std::filesystem::path& path);

  // "pid N (command) since T" from what the holder wrote, or "an unknown process".
  static std::string describe_holder(const std::filesystem::path& path);

 private:
  FileLock() = default;
  void write_holder();
  UniqueFd fd_;  // set only while the lock is held; closing it releases the lock
};

}  // namespace fuselab
