// What a killed fuselab leaves behind, and how a later one recognises it.
//
// Temporary names carry their creator's pid ("<prefix><pid>-XXXXXX", "<file>.partial.<pid>",
// "<file>.tmp.<pid>"): once that pid no longer runs fuselab, the file or directory is junk. Why
// a pid in the name and not a lock: the directories are renamed into the cache when they are done,
// and a name survives SIGKILL without anyone writing it. A pid reused by another fuselab only
// keeps junk a little longer, it never removes live work.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace fuselab {

// "<file>.partial.<our pid>": where a cache file is written before it is renamed into place.
std::filesystem::path partial_path(const std::filesystem::path& file);

// Builds `output` atomically: `build(partial)` writes partial_path(output), which is renamed to
// `output` only when it returns, so an interrupted build is never taken as done (and a killed
// one's partial file is swept later). When `build` throws, the partial file is removed.
template <typename Build>
void build_file_atomically(const std::filesystem::path& output, Build&& build) {
  const auto partial = partial_path(output);
  try {
    build(partial);
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove(partial, ec);
    throw;
  }
  std::filesystem::rename(partial, output);
}

// "<prefix><our pid>-": the prefix for a TempDir that a later run may sweep.
std::string owned_temp_prefix(const std::string& prefix);

// The pid in a name made by owned_temp_prefix() (prefix + digits + '-'), or in a trailing
// ".partial.<pid>" / ".tmp.<pid>"; nothing when the name holds none.
std::optional<pid_t> owner_pid(const std::string& name, const std::string& prefix);

// True when `pid` runs and is a fuselab process (its command name starts with "fuselab").
bool fuselab_alive(pid_t pid);

// True when some process has a file under `dir` open, or its cwd there (QEMU holds its overlay).
bool in_use_by_a_process(const std::filesystem::path& dir);

// Removes directories `parent`/<prefix>* whose owner is dead and that no process uses, and
// returns them. Directories without an owner pid (made by older versions) go only when older than
// `legacy_age_s` and unused.
std::vector<std::filesystem::path> sweep_owned_dirs(const std::filesystem::path& parent,
                                                    const std::string& prefix,
                                                    long legacy_age_s = 24L * 3600);

// Removes the cache's leftovers of dead runs: "*.partial.<pid>", "*.tmp.<pid>" files and
// ".fetch-<pid>-*", ".build-<pid>-*" directories (kernel work trees and libvirt roots are left
// alone). Returns what it removed.
std::vector<std::filesystem::path> sweep_cache_leftovers(const std::filesystem::path& cache);

}  // namespace fuselab
