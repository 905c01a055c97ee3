// Cleaning up after fuselab runs that were killed (SIGKILL, OOM killer, a lost machine), where no
// destructor ran: their QEMU processes, overlay directories and half-written cache files.
//
// Two chances: a guardian process that each `fuselab run` starts wakes when the run dies and cleans
// at once; and every run cleans at start what any dead run left (the guardian may have died too).
#pragma once

#include <filesystem>
#include <string>

#include "common/unique_fd.h"

namespace fuselab {

// Where cells' overlays go: $FUSELAB_WORK_DIR, else /var/tmp (disk, not tmpfs: overlays grow).
std::filesystem::path overlay_parent_dir();

// The prefix of one run's overlay directory under overlay_parent_dir().
inline constexpr const char* kOverlayDirPrefix = "fuselab-overlays-";

struct LeftoverCounts {
  int guests = 0;        // QEMU processes killed
  int overlay_dirs = 0;  // overlay directories removed
  int cache_files = 0;   // partial files and temporary directories removed from the cache
  int total() const { return guests + overlay_dirs + cache_files; }
};

// Kills orphaned guests and removes dead runs' files, logging each. Call before this process
// opens an embedded libvirt root (see embed_root_holder()).
LeftoverCounts clean_leftovers(const std::filesystem::path& cache,
                               const std::filesystem::path& overlay_parent);

// A child process that waits for us to die and then runs clean_leftovers(). Start it while no
// lock is held (it must not inherit one). Destroying the object tells it we ended cleanly.
class CleanupGuardian {
 public:
  CleanupGuardian(const std::filesystem::path& cache, const std::filesystem::path& overlay_parent);
  ~CleanupGuardian();
  CleanupGuardian(const CleanupGuardian&) = delete;
  CleanupGuardian& operator=(const CleanupGuardian&) = delete;

 private:
  UniqueFd pipe_;  // write end: EOF without a byte means we died
  pid_t pid_ = -1;
};

// The hidden subcommand the guardian runs: `fuselab __cleanup-guardian CACHE OVERLAY_PARENT`,
// with the pipe's read end as fd 3.
inline constexpr const char* kGuardianCommand = "__cleanup-guardian";
int cleanup_guardian_main(int argc, char** argv);

}  // namespace fuselab
