// What the artifact cache holds, as entries that can be removed one by one: kernels, kernel work
// trees, base images (one per agent build), rootfs tarballs, initramfs, libguestfs appliances.
//
// In use means: its builder's lock is held (being built), a run holds it (hold_in_use(), a shared
// flock on the file a guest boots), or a process has a file of it open. Such an entry is never
// removed. "Last used" is the newest access time of its files: a run touches what it boots.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/unique_fd.h"

namespace fuselab {

struct CacheEntry {
  std::string kind;            // kernel, kernel-work, image, rootfs, initramfs, appliance
  std::filesystem::path path;  // the file or directory that names it
  std::vector<std::filesystem::path> files;  // everything removed with it (path included)
  std::filesystem::path lock;                // its builder's lock, if it has one
  std::uint64_t size_bytes = 0;
  std::filesystem::file_time_type last_used = std::filesystem::file_time_type::min();
  bool in_use = false;
};

// Every entry under `cache`, least recently used first.
std::vector<CacheEntry> list_cache_entries(const std::filesystem::path& cache);

struct GcResult {
  std::vector<CacheEntry> removed;  // (or, for a dry run, to be removed)
  std::uint64_t freed_bytes = 0;
  std::uint64_t total_before = 0;
  std::uint64_t total_after = 0;
  std::vector<CacheEntry> kept_in_use;  // entries over budget that were in use
};

// Removes least recently used entries not in use until the total is at most `budget_bytes`.
GcResult collect_garbage(const std::filesystem::path& cache, std::uint64_t budget_bytes,
                         bool dry_run);

// "20G", "512M", "1.5GiB", "100000": bytes. Throws UserError naming `what` otherwise.
std::uint64_t parse_size(const std::string& text, const std::string& what);

// A shared hold on a file a run boots from (kernel, initrd, base image), for the run's duration:
// `cache gc` sees it as in use. Also marks the file as used now.
UniqueFd hold_in_use(const std::filesystem::path& file);

}  // namespace fuselab
