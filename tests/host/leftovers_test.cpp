// What a killed run leaves is recognised by the pid in its name and removed by the next run (or
// the guardian) only when that pid is gone and no process uses it.
#include "run/leftovers.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "common/paths.h"
#include "common/stale_files.h"
#include "support/cli_runner.h"

extern char** environ;

namespace fuselab {
namespace {

namespace fs = std::filesystem;

// A pid that no longer runs: a child that exited and was reaped.
pid_t dead_pid() {
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  ::waitpid(pid, nullptr, 0);
  return pid;
}

void touch(const fs::path& p) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << "x";
}

struct Tree {
  TempDir dir{fs::temp_directory_path(), "fuselab-leftovers-"};
  fs::path cache = dir.path() / "cache";
  fs::path work = dir.path() / "work";
  std::string dead = std::to_string(dead_pid());
  std::string live = std::to_string(::getpid());  // this test binary is a "fuselab..." process
  Tree() {
    touch(work / ("fuselab-overlays-" + dead + "-abc123") / "fl-x.qcow2");
    touch(work / ("fuselab-overlays-" + live + "-def456") / "fl-y.qcow2");
    touch(work / "fuselab-overlays-Qx9a1b" / "fl-old.qcow2");  // an older version's: no pid, new
    touch(work / "unrelated-dir" / "file");
    touch(cache / "images" / ("k.qcow2.partial." + dead));
    touch(cache / "images" / ("k.qcow2.partial." + live));
    touch(cache / "rootfs" / ("run.json.tmp." + dead));
    touch(cache / "kernels" / (".fetch-" + dead + "-aaaaaa") / "deb");
    touch(cache / "kernels" / (".build-" + live + "-bbbbbb") / "bzImage");
    touch(cache / "kernels" / "work" / "k1" / ("x.tmp." + dead));  // inside a work tree: not ours
    touch(cache / "images" / "done.qcow2");
  }
};

TEST(Leftovers, OwnerPidInNames) {
  EXPECT_EQ(owner_pid("fuselab-overlays-1234-abcdef", "fuselab-overlays-"), 1234);
  EXPECT_EQ(owner_pid("fuselab-overlays-abcdef", "fuselab-overlays-"), std::nullopt);
  EXPECT_EQ(owner_pid("fuselab-overlays-123456", "fuselab-overlays-"), std::nullopt);
  EXPECT_EQ(owner_pid("x.cpio.gz.partial.77", ""), 77);
  EXPECT_EQ(owner_pid("run.json.tmp.88", ""), 88);
  EXPECT_EQ(owner_pid("run.json.tmp.", ""), std::nullopt);
  EXPECT_EQ(owner_pid("run.json.tmp.1", ""), std::nullopt);  // pid 1 is never ours
  EXPECT_EQ(owned_temp_prefix(".fetch-"), ".fetch-" + std::to_string(::getpid()) + "-");
}

TEST(Leftovers, RemovesOnlyWhatDeadRunsLeft) {
  Tree t;
  // An open file keeps even a dead owner's directory (an orphaned QEMU still writes there).
  touch(t.work / ("fuselab-overlays-" + t.dead + "-inuse1") / "fl-z.qcow2");
  int fd = ::open((t.work / ("fuselab-overlays-" + t.dead + "-inuse1") / "fl-z.qcow2").c_str(),
                  O_RDONLY);
  ASSERT_GE(fd, 0);
  LeftoverCounts c = clean_leftovers(t.cache, t.work);
  ::close(fd);
  EXPECT_EQ(c.guests, 0);
  EXPECT_EQ(c.overlay_dirs, 1);
  EXPECT_EQ(c.cache_files, 3);
  EXPECT_FALSE(fs::exists(t.work / ("fuselab-overlays-" + t.dead + "-abc123")));
  EXPECT_TRUE(fs::exists(t.work / ("fuselab-overlays-" + t.dead + "-inuse1")));
  EXPECT_TRUE(fs::exists(t.work / ("fuselab-overlays-" + t.live + "-def456")));
  EXPECT_TRUE(fs::exists(t.work / "fuselab-overlays-Qx9a1b"));
  EXPECT_TRUE(fs::exists(t.work / "unrelated-dir"));
  EXPECT_FALSE(fs::exists(t.cache / "images" / ("k.qcow2.partial." + t.dead)));
  EXPECT_TRUE(fs::exists(t.cache / "images" / ("k.qcow2.partial." + t.live)));
  EXPECT_FALSE(fs::exists(t.cache / "rootfs" / ("run.json.tmp." + t.dead)));
  EXPECT_FALSE(fs::exists(t.cache / "kernels" / (".fetch-" + t.dead + "-aaaaaa")));
  EXPECT_TRUE(fs::exists(t.cache / "kernels" / (".build-" + t.live + "-bbbbbb")));
  EXPECT_TRUE(fs::exists(t.cache / "kernels" / "work" / "k1" / ("x.tmp." + t.dead)));
  EXPECT_TRUE(fs::exists(t.cache / "images" / "done.qcow2"));
}

// The guardian: EOF on its pipe without the "ended cleanly" byte means its run was killed.
TEST(Leftovers, GuardianCleansWhenItsRunDiesAndNotWhenItEnds) {
  for (bool clean_end : {true, false}) {
    Tree t;
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t pid = ::fork();
    if (pid == 0) {
      ::dup2(fds[0], 3);
      ::close_range(4, ~0U, 0);
      std::string cli = FUSELAB_CLI_PATH, cmd = kGuardianCommand, cache = t.cache.string(),
                  work = t.work.string();
      char* argv[] = {cli.data(), cmd.data(), cache.data(), work.data(), nullptr};
      ::execve(argv[0], argv, environ);
      ::_exit(127);
    }
    ::close(fds[0]);
    if (clean_end) {
      ASSERT_EQ(::write(fds[1], "q", 1), 1);
    }
    ::close(fds[1]);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT_EQ(fs::exists(t.work / ("fuselab-overlays-" + t.dead + "-abc123")), clean_end);
    EXPECT_EQ(fs::exists(t.cache / "images" / ("k.qcow2.partial." + t.dead)), clean_end);
    EXPECT_TRUE(fs::exists(t.work / ("fuselab-overlays-" + t.live + "-def456")));
  }
}

}  // namespace
}  // namespace fuselab
