// Where the FUSE server puts file data. The server (fuse_ops.cpp) owns the namespace and file
// sizes; a backend only stores, discards or delays data. Backends register by name in
// backend.cpp; issue #3 adds memory, passthrough and stall.
#pragma once

#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "spec.h"

namespace fuselab::agent {

// Data for a read reply: `data` stays valid until the backend is destroyed or the file changes.
struct ReadData {
  int err = 0;
  const void* data = nullptr;
  std::size_t size = 0;
};

// Called from FUSE handler threads concurrently: a backend does its own locking, and is never
// called with the server's inode-table lock held.
class Backend {
 public:
  virtual ~Backend() = default;
  // Takes the payload of one FUSE_WRITE; returns bytes accepted or -errno.
  virtual long write(fuse_ino_t ino, off_t off, fuse_bufvec& data) = 0;
  // Data for [off, off + size); the server has already clipped the range to the file size.
  virtual ReadData read(fuse_ino_t ino, off_t off, std::size_t size) = 0;
  // Returns 0 or an errno.
  virtual int truncate(fuse_ino_t ino, std::uint64_t size) = 0;
  virtual int fsync(fuse_ino_t ino) = 0;
  // The inode is gone (unlinked and forgotten): drop its data.
  virtual void forget(fuse_ino_t ino) = 0;
};

// Names accepted by spec `server.backend`.
std::vector<std::string> backend_names();

// Throws AgentError(stage "mount") for an unknown name (the spec parser rejects those first).
std::unique_ptr<Backend> make_backend(const ServerSpec& spec);

std::unique_ptr<Backend> make_null_backend(const ServerSpec& spec);

}  // namespace fuselab::agent
