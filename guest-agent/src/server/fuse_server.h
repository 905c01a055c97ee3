// The FUSE server's state, passed to libfuse as userdata (no globals): the spec it was started
// with, its namespace, its backend and the shared counters. The handlers live in fuse_ops.cpp.
#pragma once

#include <fuse_lowlevel.h>

#include <memory>
#include <string>

#include "channel/spec.h"
#include "server/backend.h"
#include "server/flat_namespace.h"
#include "server/server_stats.h"
#include "server/write_alloc.h"

namespace fuselab::agent {

class FuseServer {
 public:
  FuseServer(ServerSpec spec, std::unique_ptr<Backend> backend, ServerStats& stats)
      : spec_(std::move(spec)),
        backend_(std::move(backend)),
        stats_(stats),
        alloc_(spec_.alloc_per_write_kib, spec_.alloc_mode) {}
  FuseServer(const FuseServer&) = delete;
  FuseServer& operator=(const FuseServer&) = delete;

  const ServerSpec& spec() const { return spec_; }
  FlatNamespace& names() { return names_; }
  Backend& backend() { return *backend_; }
  ServerStats& stats() { return stats_; }
  const WriteAllocator& write_alloc() const { return alloc_; }

 private:
  const ServerSpec spec_;
  FlatNamespace names_;
  std::unique_ptr<Backend> backend_;
  ServerStats& stats_;
  const WriteAllocator alloc_;
};

// The operations table: every handler wired in one place.
fuse_lowlevel_ops fuse_operations();

// Runs the server until the file system is unmounted: creates the session, mounts it on
// `mountpoint`, writes one byte to `ready_fd` (then closes it) and serves. Returns the process
// exit code; on failure the reason is in stats.error. Runs in the server child process.
int serve(const ServerSpec& spec, const std::string& mountpoint, ServerStats& stats, int ready_fd);

}  // namespace fuselab::agent
