// Where the FUSE server puts file data. The server (fuse_ops.cpp) owns the namespace and file
// sizes; a backend only stores, discards or delays data. Backends register by name in
// backend.cpp: null, memory, passthrough, stall.
#pragma once

#include <fuse_lowlevel.h>

#include <climits>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "channel/spec.h"

namespace fuselab::agent {

// Data for a read reply: `data` points either into `owned` or at memory that lives as long as
// the backend (the null backend's zeros).
struct ReadData {
  int err = 0;
  const void* data = nullptr;
  std::size_t size = 0;
  std::unique_ptr<char[]> owned;
};

// Called from FUSE handler threads concurrently: a backend does its own locking, and is never
// called with the server's inode-table lock held.
class Backend {
 public:
  virtual ~Backend() = default;
  // write() result: leave this FUSE_WRITE unanswered for ever (the stall backend).
  static constexpr long kNoReply = LONG_MIN;

  // Takes the payload of one FUSE_WRITE; returns bytes accepted, -errno or kNoReply. With
  // splice on, `data` is a pipe: the backend must consume it (fuse_buf_copy advances it).
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
std::unique_ptr<Backend> make_memory_backend(const ServerSpec& spec);
std::unique_ptr<Backend> make_passthrough_backend(const ServerSpec& spec);
std::unique_ptr<Backend> make_stall_backend(const ServerSpec& spec);

// FUSE_BUFVEC_INIT without its C compound literal: one memory buffer of `size` bytes.
inline fuse_bufvec one_buffer(std::size_t size, void* mem = nullptr) {
  fuse_bufvec v{};
  v.count = 1;
  v.buf[0].size = size;
  v.buf[0].mem = mem;
  v.buf[0].fd = -1;
  return v;
}

// Consumes a write payload without keeping it: nothing to do for memory, a splice into
// /dev/null for a pipe. Returns bytes consumed or -errno.
long discard_payload(fuse_bufvec& data);

}  // namespace fuselab::agent
