// Backend "external" (spec `server.exec`): someone else's FUSE server, e.g. libfuse's
// passthrough_ll, run in the cell exactly where the agent's own server would run (same cgroup,
// same bdi knobs, same monitor). The agent substitutes placeholders in its argv, execs it (no
// shell), waits for the mount to appear, and unmounts it at the end like its own.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fuselab::agent {

// The argv with every "{mountpoint}" and "{source}" replaced (inside any argument, so
// "-osource={source}" works).
std::vector<std::string> substitute_argv(const std::vector<std::string>& argv,
                                         const std::string& mountpoint, const std::string& source);

// True if some argument names {source}: the agent then creates the directory and counts the
// bytes the server stored there.
bool uses_source(const std::vector<std::string>& argv);

// The source directory for `mountpoint`: kind "tmpfs" "<mountpoint>.source", next to it (on the
// guest's /tmp, a tmpfs); kind "disk" "/var/tmp/fuselab-source.<mountpoint's name>", on the
// guest's root file system (ext4 on the cell's overlay).
std::string source_dir_for(const std::string& mountpoint, const std::string& kind);

// Execs argv[0] (an absolute path, or looked up in /usr/local/sbin:/usr/local/bin:/usr/sbin:
// /usr/bin:/sbin:/bin) with a minimal environment; returns only on failure (errno set).
void exec_argv(const std::vector<std::string>& argv);

// Sum of the sizes of the regular files directly in `dir` (the workload's files); 0 if none.
std::uint64_t regular_file_bytes(const std::string& dir);

}  // namespace fuselab::agent
