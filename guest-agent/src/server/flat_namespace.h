// The server's namespace: one root directory holding regular files, kept in memory. Backends
// store data; this class stores names, inode numbers, sizes, modes and lookup counts.
#pragma once

#include <fuse_lowlevel.h>
#include <sys/stat.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

namespace fuselab::agent {

class FlatNamespace {
 public:
  FlatNamespace();

  // Each returns 0 or an errno. lookup/create count a kernel reference (nlookup) on success.
  int lookup(fuse_ino_t parent, const std::string& name, struct stat& attr);
  int create(fuse_ino_t parent, const std::string& name, mode_t mode, bool exclusive,
             struct stat& attr);
  int getattr(fuse_ino_t ino, struct stat& attr);
  // Applies FUSE_SET_ATTR_* bits of `to_set` from `in` (size included; the caller has truncated
  // the backend first).
  int setattr(fuse_ino_t ino, const struct stat& in, int to_set, struct stat& attr);
  int unlink(fuse_ino_t parent, const std::string& name);
  // After a write of [off, end): grows the size, updates mtime. Does not allocate, so it is safe
  // on the write path under memory pressure.
  void written(fuse_ino_t ino, std::uint64_t end);
  std::uint64_t size(fuse_ino_t ino);
  // Drops `n` kernel references; returns true if the inode is now gone (the backend forgets it).
  bool forget(fuse_ino_t ino, std::uint64_t n);

 private:
  struct Inode {
    fuse_ino_t ino = 0;
    mode_t mode = 0;
    std::uint64_t size = 0;
    std::uint64_t nlookup = 0;
    bool linked = true;
    timespec atime{}, mtime{}, ctime{};
  };

  void fill(const Inode& inode, struct stat& attr) const;

  // Protects everything below. Taken alone (no other lock of the server nests inside it), never
  // held across a backend call or a fuse_reply_*.
  std::mutex mutex_;
  std::unordered_map<fuse_ino_t, Inode> inodes_;
  std::map<std::string, fuse_ino_t, std::less<>> names_;  // entries of the root directory
  fuse_ino_t next_ino_ = FUSE_ROOT_ID + 1;
};

}  // namespace fuselab::agent
