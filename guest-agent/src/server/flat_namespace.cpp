#include "server/flat_namespace.h"

#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <new>

namespace fuselab::agent {
namespace {

timespec now() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts;
}

}  // namespace

FlatNamespace::FlatNamespace() {
  Inode root;
  root.ino = FUSE_ROOT_ID;
  root.mode = S_IFDIR | 0755;
  root.nlookup = 1;  // the kernel holds the root for the life of the mount
  root.atime = root.mtime = root.ctime = now();
  inodes_.emplace(root.ino, root);
}

void FlatNamespace::fill(const Inode& inode, struct stat& attr) const {
  attr = {};
  attr.st_ino = inode.ino;
  attr.st_mode = inode.mode;
  attr.st_nlink = S_ISDIR(inode.mode) ? 2 : (inode.linked ? 1 : 0);
  attr.st_uid = getuid();
  attr.st_gid = getgid();
  attr.st_size = static_cast<off_t>(inode.size);
  attr.st_blksize = 4096;
  attr.st_blocks = static_cast<blkcnt_t>((inode.size + 511) / 512);
  attr.st_atim = inode.atime;
  attr.st_mtim = inode.mtime;
  attr.st_ctim = inode.ctime;
}

int FlatNamespace::lookup(fuse_ino_t parent, const std::string& name, struct stat& attr) {
  std::lock_guard lock(mutex_);
  if (parent != FUSE_ROOT_ID) return ENOENT;
  auto it = names_.find(name);
  if (it == names_.end()) return ENOENT;
  Inode& inode = inodes_.at(it->second);
  ++inode.nlookup;
  fill(inode, attr);
  return 0;
}

int FlatNamespace::create(fuse_ino_t parent, const std::string& name, mode_t mode, bool exclusive,
                          struct stat& attr) {
  std::lock_guard lock(mutex_);
  if (parent != FUSE_ROOT_ID) return ENOENT;
  if (!S_ISREG(mode)) return EPERM;
  try {
    auto it = names_.find(name);
    if (it != names_.end()) {
      if (exclusive) return EEXIST;
      Inode& inode = inodes_.at(it->second);
      ++inode.nlookup;
      fill(inode, attr);
      return 0;
    }
    Inode inode;
    inode.ino = next_ino_++;
    inode.mode = mode;
    inode.nlookup = 1;
    inode.atime = inode.mtime = inode.ctime = now();
    inodes_.emplace(inode.ino, inode);
    names_.emplace(name, inode.ino);
    fill(inode, attr);
    return 0;
  } catch (const std::bad_alloc&) {
    return ENOMEM;
  }
}

int FlatNamespace::getattr(fuse_ino_t ino, struct stat& attr) {
  std::lock_guard lock(mutex_);
  auto it = inodes_.find(ino);
  if (it == inodes_.end()) return ENOENT;
  fill(it->second, attr);
  return 0;
}

int FlatNamespace::setattr(fuse_ino_t ino, const struct stat& in, int to_set, struct stat& attr) {
  std::lock_guard lock(mutex_);
  auto it = inodes_.find(ino);
  if (it == inodes_.end()) return ENOENT;
  Inode& inode = it->second;
  if (to_set & FUSE_SET_ATTR_MODE) inode.mode = (inode.mode & S_IFMT) | (in.st_mode & 07777);
  if (to_set & FUSE_SET_ATTR_SIZE) inode.size = static_cast<std::uint64_t>(in.st_size);
  if (to_set & FUSE_SET_ATTR_ATIME) inode.atime = in.st_atim;
  if (to_set & FUSE_SET_ATTR_MTIME) inode.mtime = in.st_mtim;
  if (to_set & FUSE_SET_ATTR_ATIME_NOW) inode.atime = now();
  if (to_set & FUSE_SET_ATTR_MTIME_NOW) inode.mtime = now();
  inode.ctime = (to_set & FUSE_SET_ATTR_CTIME) ? in.st_ctim : now();
  fill(inode, attr);
  return 0;
}

int FlatNamespace::unlink(fuse_ino_t parent, const std::string& name) {
  std::lock_guard lock(mutex_);
  if (parent != FUSE_ROOT_ID) return ENOENT;
  auto it = names_.find(name);
  if (it == names_.end()) return ENOENT;
  // The inode lives on until the kernel forgets it (open files keep working).
  inodes_.at(it->second).linked = false;
  names_.erase(it);
  return 0;
}

void FlatNamespace::written(fuse_ino_t ino, std::uint64_t end) {
  std::lock_guard lock(mutex_);
  auto it = inodes_.find(ino);
  if (it == inodes_.end()) return;
  if (end > it->second.size) it->second.size = end;
  it->second.mtime = it->second.ctime = now();
}

std::uint64_t FlatNamespace::size(fuse_ino_t ino) {
  std::lock_guard lock(mutex_);
  auto it = inodes_.find(ino);
  return it == inodes_.end() ? 0 : it->second.size;
}

bool FlatNamespace::forget(fuse_ino_t ino, std::uint64_t n) {
  std::lock_guard lock(mutex_);
  auto it = inodes_.find(ino);
  if (it == inodes_.end() || ino == FUSE_ROOT_ID) return false;
  Inode& inode = it->second;
  inode.nlookup = n >= inode.nlookup ? 0 : inode.nlookup - n;
  if (inode.nlookup != 0 || inode.linked) return false;
  inodes_.erase(it);
  return true;
}

}  // namespace fuselab::agent
