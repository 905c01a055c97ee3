#include "run/leftovers.h"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "common/error.h"
#include "common/stale_files.h"
#include "vm/embed_root.h"
#include "vm/orphan_qemu.h"

namespace fs = std::filesystem;

namespace fuselab {

fs::path overlay_parent_dir() {
  const char* env = std::getenv("FUSELAB_WORK_DIR");
  return env && *env ? fs::path(env) : fs::path("/var/tmp");
}

LeftoverCounts clean_leftovers(const fs::path& cache, const fs::path& overlay_parent) {
  LeftoverCounts counts;
  // Guests first: their QEMU holds the overlay files open, and an overlay in use is never removed.
  if (const auto embed_parent = existing_embedded_driver_parent(cache)) {
    for (const auto& g : kill_orphaned_guests(*embed_parent)) {
      spdlog::warn("killed guest {} (QEMU pid {}) left running by a fuselab that died", g.name,
                   g.pid);
      ++counts.guests;
    }
  }
  for (const auto& dir : sweep_owned_dirs(overlay_parent, kOverlayDirPrefix)) {
    spdlog::warn("removed {} left by a fuselab that died", dir.string());
    ++counts.overlay_dirs;
  }
  for (const auto& p : sweep_cache_leftovers(cache)) {
    spdlog::info("removed {} left half-written by a fuselab that died", p.string());
    ++counts.cache_files;
  }
  return counts;
}

CleanupGuardian::CleanupGuardian(const fs::path& cache, const fs::path& overlay_parent) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw InfraError("pipe: " + errno_text(errno));
  UniqueFd read_end(fds[0]);
  pipe_.reset(fds[1]);
  std::string cache_arg = cache.string(), overlay_arg = overlay_parent.string();
  std::string self = "/proc/self/exe", name = "fuselab", command = kGuardianCommand;
  char* argv[] = {name.data(), command.data(), cache_arg.data(), overlay_arg.data(), nullptr};
  pid_ = ::fork();
  if (pid_ < 0) throw InfraError("fork: " + errno_text(errno));
  if (pid_ == 0) {
    // Child: async-signal-safe calls only, then a fresh program. Ctrl-C goes to the whole process
    // group; the guardian must outlive the run, so it ignores it (and learns of the end by EOF).
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::signal(sig, SIG_IGN);
    if (read_end.get() == 3)
      ::fcntl(3, F_SETFD, 0);
    else if (::dup2(read_end.get(), 3) != 3)
      ::_exit(127);
    ::close_range(4, ~0U, 0);  // no lock or pipe of ours may live on in the guardian
    ::execv(self.c_str(), argv);
    ::_exit(127);
  }
}

CleanupGuardian::~CleanupGuardian() {
  if (pid_ <= 0) return;
  // One byte says "ended cleanly": the guardian exits without sweeping.
  const char bye = 'q';
  ssize_t w = ::write(pipe_.get(), &bye, 1);
  (void)w;
  pipe_.reset();
  for (int i = 0; i < 250; ++i) {
    if (::waitpid(pid_, nullptr, WNOHANG) != 0) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
}

int cleanup_guardian_main(int argc, char** argv) {
  if (argc != 4) return 2;
  char byte = 0;
  ssize_t n;
  do n = ::read(3, &byte, 1);
  while (n < 0 && errno == EINTR);
  if (n == 1) return 0;  // the run ended cleanly
  // The run died without a word: it was killed. Its guests and overlays go now, not next run.
  LeftoverCounts c = clean_leftovers(argv[2], argv[3]);
  if (c.total() > 0) {
    spdlog::warn("fuselab died: cleaned up {} guest(s), {} overlay dir(s), {} cache file(s)",
                 c.guests, c.overlay_dirs, c.cache_files);
  }
  return 0;
}

}  // namespace fuselab
