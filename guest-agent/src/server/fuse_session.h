// Move-only owner of a libfuse low-level session (fuse_session*).
#pragma once

#include <fuse_lowlevel.h>

#include <string>

namespace fuselab::agent {

class FuseSession {
 public:
  // Throws AgentError(stage "mount").
  FuseSession(const fuse_lowlevel_ops& ops, void* userdata, const std::string& subtype);
  FuseSession(const FuseSession&) = delete;
  FuseSession& operator=(const FuseSession&) = delete;
  FuseSession(FuseSession&& other) noexcept;
  FuseSession& operator=(FuseSession&&) = delete;
  // fuse_session_unmount (a no-op when the connection is already gone) and fuse_session_destroy.
  ~FuseSession();

  void mount(const std::string& mountpoint);  // throws AgentError(stage "mount")
  // Serves until the connection ends: fuse_session_loop for 1 thread, fuse_session_loop_mt
  // with at most `threads` threads otherwise. Returns libfuse's result (0 when unmounted).
  int loop(unsigned threads);

 private:
  fuse_session* se_ = nullptr;
  bool mounted_ = false;
};

}  // namespace fuselab::agent
