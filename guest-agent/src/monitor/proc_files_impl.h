// Template bodies of proc_files.h.
#pragma once

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <cstring>

#include "util/unique_fd.h"

namespace fuselab::agent {
namespace proc_detail {

struct Dirent64 {
  ino64_t d_ino;
  off64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[1];
};

template <typename Fn>
void for_each_number_in(int dir_fd, char* scratch, std::size_t size, Fn&& fn) {
  for (;;) {
    long n = syscall(SYS_getdents64, dir_fd, scratch, size);
    if (n <= 0) return;
    for (long off = 0; off < n;) {
      // Records are 8-byte aligned only relative to `scratch`, which may itself be unaligned
      // (UBSan: misaligned Dirent64 access): read the length with memcpy, not through a Dirent64*.
      const char* rec = scratch + off;
      unsigned short reclen = 0;
      std::memcpy(&reclen, rec + offsetof(Dirent64, d_reclen), sizeof reclen);
      const char* name = rec + offsetof(Dirent64, d_name);
      off += reclen;
      long long v = parse_number(name);
      if (v >= 0 && name[0] >= '0' && name[0] <= '9') fn(v);
    }
  }
}

}  // namespace proc_detail

template <typename Fn>
void for_each_number_entry(const char* path, char* scratch, std::size_t size, Fn&& fn) {
  UniqueFd dir(open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir) return;
  proc_detail::for_each_number_in(dir.get(), scratch, size, fn);
}

template <typename Fn>
std::size_t for_each_task(char* scratch, std::size_t size, Fn&& fn) {
  // Split the scratch: process entries, thread entries, stat text.
  const std::size_t third = size / 3;
  char* pids = scratch;
  char* tids = scratch + third;
  char* stat = scratch + 2 * third;
  std::size_t seen = 0;
  for_each_number_entry("/proc", pids, third, [&](long long pid) {
    char path[64];
    std::snprintf(path, sizeof(path), "/proc/%lld/task", pid);
    for_each_number_entry(path, tids, third, [&](long long tid) {
      char stat_path[96];
      std::snprintf(stat_path, sizeof(stat_path), "/proc/%lld/task/%lld/stat", pid, tid);
      std::string_view text = read_small_file(stat_path, stat, third);
      // "tid (comm) S ...": comm may hold spaces and parentheses, so split at the last ')'.
      auto open_paren = text.find('(');
      auto close_paren = text.rfind(')');
      if (open_paren == std::string_view::npos || close_paren == std::string_view::npos ||
          close_paren + 2 >= text.size())
        return;
      TaskState t;
      t.pid = static_cast<pid_t>(pid);
      t.tid = static_cast<pid_t>(tid);
      t.comm = text.substr(open_paren + 1, close_paren - open_paren - 1);
      t.state = text[close_paren + 2];
      ++seen;
      fn(t);
    });
  });
  return seen;
}

}  // namespace fuselab::agent
