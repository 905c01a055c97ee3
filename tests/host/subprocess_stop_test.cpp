// run_command's stop token and deadline end the child's whole process group: a shell and the
// sleep it started (as make and its compilers), even a grandchild that ignores SIGTERM. Real
// processes on this host.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "common/paths.h"
#include "common/subprocess.h"

namespace fuselab {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Gone: no such process, or a zombie waiting for a reaper that is not us (PID 1 here may not reap).
bool gone(pid_t pid) {
  if (::kill(pid, 0) != 0) return true;
  std::string stat;
  try {
    stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  } catch (const std::exception&) {
    return true;
  }
  auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'Z';
}

pid_t read_pid(const fs::path& file) {
  const auto until = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < until) {
    std::string text;
    try {
      text = read_file(file);
    } catch (const std::exception&) {
    }
    if (!text.empty() && text.back() == '\n') return static_cast<pid_t>(std::stol(text));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

// sh starts a sleep that ignores SIGTERM (so only the group SIGKILL ends it), writes its pid,
// waits.
std::vector<std::string> shell_with_grandchild(const fs::path& pid_file) {
  return {"sh", "-c",
          "(trap '' TERM; exec sleep 300) & echo $! > \"$1.tmp\"; mv \"$1.tmp\" \"$1\"; wait", "sh",
          pid_file.string()};
}

TEST(SubprocessStop, StopTokenEndsTheChildAndItsGrandchild) {
  TempDir dir(fs::temp_directory_path(), "fuselab-stop-");
  const fs::path pid_file = dir.path() / "sleep.pid";
  std::atomic<bool> stop{false};
  CommandOptions options;
  options.timeout = std::chrono::seconds(60);
  options.stop = &stop;
  options.stop_grace = std::chrono::milliseconds(500);
  pid_t sleep_pid = -1;
  Clock::time_point stopped_at;
  std::thread stopper([&] {
    sleep_pid = read_pid(pid_file);
    stopped_at = Clock::now();
    stop = true;
  });
  const auto result = run_command(shell_with_grandchild(pid_file), options);
  const auto returned_at = Clock::now();
  stopper.join();
  ASSERT_GT(sleep_pid, 0) << "the shell never started its sleep";
  EXPECT_TRUE(result.stopped);
  EXPECT_FALSE(result.timed_out);
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.exit_code, -1);
  EXPECT_EQ(result.signal, SIGTERM);  // the shell took the polite signal
  ASSERT_GT(result.pid, 0);
  // Within the grace and a little: not after the sleep's 300 s, nor the 60 s deadline.
  EXPECT_LT(returned_at - stopped_at, std::chrono::seconds(3));
  EXPECT_TRUE(gone(result.pid));
  const auto until = Clock::now() + std::chrono::seconds(3);
  while (!gone(sleep_pid) && Clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_TRUE(gone(sleep_pid)) << "grandchild sleep " << sleep_pid << " survived the stop";
}

TEST(SubprocessStop, DeadlineEndsTheGrandchildToo) {
  TempDir dir(fs::temp_directory_path(), "fuselab-deadline-");
  const fs::path pid_file = dir.path() / "sleep.pid";
  CommandOptions options;
  options.timeout = std::chrono::seconds(2);
  options.output_file = dir.path() / "out.log";  // the waitpid path, no pipes
  const auto start = Clock::now();
  const auto result = run_command(shell_with_grandchild(pid_file), options);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
  EXPECT_TRUE(result.timed_out);
  EXPECT_FALSE(result.stopped);
  EXPECT_EQ(result.signal, SIGKILL);
  const pid_t sleep_pid = read_pid(pid_file);
  ASSERT_GT(sleep_pid, 0);
  const auto until = Clock::now() + std::chrono::seconds(3);
  while (!gone(sleep_pid) && Clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_TRUE(gone(sleep_pid));
}

TEST(SubprocessStop, UnsetTokenChangesNothing) {
  std::atomic<bool> stop{false};
  CommandOptions options;
  options.stop = &stop;
  const auto start = Clock::now();
  auto result = run_command({"sh", "-c", "sleep 0.2; echo done"}, options);
  EXPECT_TRUE(result.ok());
  EXPECT_FALSE(result.stopped);
  EXPECT_EQ(result.out, "done\n");
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(200));
}

}  // namespace
}  // namespace fuselab
