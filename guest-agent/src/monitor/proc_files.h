// Reading /proc, /sys and /dev/kmsg without allocating: fixed buffers, getdents64 on directory
// fds, paths formatted on the stack. For the monitor's loop.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string_view>

namespace fuselab::agent {

// Reads up to `size` bytes of `path` into `buf`; the text read ("" on any error).
std::string_view read_small_file(const char* path, char* buf, std::size_t size);

// Parses a decimal number at the start of `text` (after blanks); -1 if there is none.
long long parse_number(std::string_view text);

// One task (thread) of /proc/PID/task/TID/stat.
struct TaskState {
  pid_t pid = 0;  // thread group
  pid_t tid = 0;
  char state = '?';
  std::string_view comm;  // valid until the next task
};

// Calls fn(const TaskState&) for every thread of every process; `scratch` (at least 16 KiB)
// holds directory entries and stat text. Returns the number of tasks seen.
template <typename Fn>
std::size_t for_each_task(char* scratch, std::size_t size, Fn&& fn);

// The numeric entries of directory `path` (pids, fuse connection numbers): fn(long long).
// `scratch` holds the directory entries.
template <typename Fn>
void for_each_number_entry(const char* path, char* scratch, std::size_t size, Fn&& fn);

}  // namespace fuselab::agent

#include "monitor/proc_files_impl.h"
