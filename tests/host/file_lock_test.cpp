// The cache lock: bounded, interruptible, and it says who holds it. The holder is a child
// process, as another fuselab would be.
#include "image/file_lock.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "common/error.h"
#include "common/paths.h"
#include "common/stop_request.h"
#include "support/cli_runner.h"

namespace fuselab {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A child process that takes the lock, then sleeps until killed.
pid_t hold_in_child(const fs::path& lock) {
  int ready[2];
  EXPECT_EQ(::pipe(ready), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(ready[0]);
    FileLock held(lock);
    char c = 'r';
    if (::write(ready[1], &c, 1) != 1) ::_exit(1);
    ::pause();
    ::_exit(0);
  }
  ::close(ready[1]);
  char c = 0;
  EXPECT_EQ(::read(ready[0], &c, 1), 1);
  ::close(ready[0]);
  return pid;
}

void end_child(pid_t pid) {
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

TEST(FileLock, DeadlineNamesTheHolder) {
  TempDir dir(fs::temp_directory_path(), "fuselab-lock-");
  const fs::path lock = dir.path() / "x.lock";
  pid_t holder = hold_in_child(lock);
  EXPECT_TRUE(FileLock::held(lock));
  EXPECT_NE(FileLock::describe_holder(lock).find("pid " + std::to_string(holder)),
            std::string::npos);
  auto start = std::chrono::steady_clock::now();
  try {
    FileLock waiting(lock, 1500ms);
    ADD_FAILURE() << "got a lock another process holds";
  } catch (const InfraError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("gave up after 1 s waiting for " + lock.string()), std::string::npos)
        << what;
    EXPECT_NE(what.find("held by pid " + std::to_string(holder) + " (fuselab_host_tests"),
              std::string::npos)
        << what;
    EXPECT_NE(what.find(" since 20"), std::string::npos) << what;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  std::string who;
  EXPECT_FALSE(FileLock::try_lock(lock, &who));
  EXPECT_NE(who.find("pid " + std::to_string(holder)), std::string::npos);
  end_child(holder);
  // The holder died: the lock is free at once (the kernel drops it), whatever the file says.
  EXPECT_FALSE(FileLock::held(lock));
  EXPECT_TRUE(FileLock::try_lock(lock));
}

TEST(FileLock, StopRequestEndsTheWait) {
  TempDir dir(fs::temp_directory_path(), "fuselab-lock-");
  const fs::path lock = dir.path() / "x.lock";
  pid_t holder = hold_in_child(lock);
  std::thread stopper([] {
    std::this_thread::sleep_for(300ms);
    stop_request() = true;
  });
  auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(FileLock(lock, std::chrono::minutes(10)), Interrupted);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  stopper.join();
  stop_request() = false;  // the flag is process-wide: later tests in this binary wait normally
  end_child(holder);
}

// Two runs on one results directory: the second refuses at once and says who has it.
TEST(FileLock, SecondRunOnTheSameRunDirectoryRefuses) {
  TempDir dir(fs::temp_directory_path(), "fuselab-lock-");
  auto plan = testing::write_plan(dir.path(), "p.yaml", "cells:\n  - id: one\n");
  const fs::path results = dir.path() / "results";
  pid_t holder = hold_in_child(results / "same" / ".lock");
  for (const std::string flag : {"--run-id", "--resume"}) {
    auto r = testing::run_cli(
        {"run", plan.string(), "--results", results.string(), flag, "same", "--accel", "tcg"},
        std::chrono::seconds(120));
    EXPECT_EQ(r.exit_code, 2) << flag << "\n" << r.err;
    EXPECT_NE(r.err.find("is in use by another fuselab run: pid " + std::to_string(holder)),
              std::string::npos)
        << flag << "\n"
        << r.err;
  }
  end_child(holder);
}

}  // namespace
}  // namespace fuselab
