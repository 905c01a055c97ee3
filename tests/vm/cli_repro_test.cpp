// `fuselab repro` as a user runs it: the console on the terminal, the guest held up (hung, or
// after a PASS) until Ctrl-C, then no guest, no overlay, and the cell's files with the verdict
// it reached. Real guests (bookworm 6.1, TCG here), checked from outside: stdout, processes,
// files.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "support/cli_runner.h"
#include "support/interrupt.h"
#include "support/qemu_processes.h"

extern char** environ;

namespace fuselab {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

using testing::qemu_processes_mentioning;

struct Repro {
  pid_t pid = 0;
  fs::path out;
};

// Starts `full` (argv) with stdout and stderr to files in `dir`, the work dir under it.
Repro start(const fs::path& dir, std::vector<std::string> full) {
  std::vector<char*> argv;
  for (auto& a : full) argv.push_back(a.data());
  argv.push_back(nullptr);
  Repro r{0, dir / "terminal.out"};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, r.out.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, (dir / "terminal.err").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  setenv("FUSELAB_WORK_DIR", (dir / "work").c_str(), 1);
  setenv("FUSELAB", FUSELAB_CLI_PATH, 1);  // what repro.sh runs
  EXPECT_EQ(posix_spawn(&r.pid, argv[0], &actions, nullptr, argv.data(), environ), 0);
  unsetenv("FUSELAB_WORK_DIR");
  unsetenv("FUSELAB");
  posix_spawn_file_actions_destroy(&actions);
  return r;
}

Repro start_repro(const fs::path& dir, const std::vector<std::string>& args) {
  std::vector<std::string> full = {FUSELAB_CLI_PATH, "repro"};
  full.insert(full.end(), args.begin(), args.end());
  return start(dir, full);
}

// Waits until `file` shows `text`; false at the limit or as soon as the repro exits.
bool wait_for_text(Repro& r, const std::string& text, std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (fs::exists(r.out) && read_file(r.out).find(text) != std::string::npos) return true;
    int status = 0;
    if (waitpid(r.pid, &status, WNOHANG) == r.pid) {
      r.pid = 0;
      return false;
    }
    std::this_thread::sleep_for(200ms);
  }
  return false;
}

std::string guest_name(const fs::path& cell_dir) {
  std::string xml = read_file(cell_dir / "domain.xml");
  auto at = xml.find("<name>") + 6;
  return xml.substr(at, xml.find("</name>") - at);
}

fs::path only_repro_cell(const fs::path& results, const std::string& cell) {
  for (const auto& e : fs::directory_iterator(results))
    if (e.path().filename().string().starts_with("repro-")) return e.path() / cell;
  return {};
}

TEST(VmRepro, AHungCellStaysUpWithItsConsoleOnTheTerminalUntilCtrlC) {
  TempDir dir(fs::temp_directory_path(), "fuselab-vm-");
  fs::create_directories(dir.path() / "work");
  auto plan = testing::write_plan(
      dir.path(), "stall.yaml",
      "cells:\n  - id: stall\n"
      "    server: {backend: stall, stall_after_mib: 4, writeback_cache: true, max_ratio: 100}\n"
      "    workload: {size_mib: 16}\n"
      "    monitor: {stall_after_s: 5, hung_task_timeout_secs: 5}\n"
      // Deadlines repro must ignore: a run would end this cell 1 s after the agent's stall
      // report, and at 30 s in any case.
      "    evidence_s: 1\n    boot_timeout_s: 25\n    cell_timeout_s: 30\n");
  fs::path results = dir.path() / "results";
  Repro r = start_repro(dir.path(), {plan.string(), "--cell", "stall", "--results",
                                     results.string(), "--accel", "tcg"});
  ASSERT_TRUE(wait_for_text(r, "INFO: task ", 240s)) << read_file(dir.path() / "terminal.err");
  // Past the cell deadline and the evidence time a run would have used: still up.
  std::this_thread::sleep_for(25s);
  fs::path cell_dir = only_repro_cell(results, "stall");
  const std::string guest = guest_name(cell_dir);
  EXPECT_EQ(qemu_processes_mentioning(guest), 1) << "the hung guest did not stay up";

  EXPECT_EQ(testing::interrupt_and_wait(r.pid), 0) << read_file(dir.path() / "terminal.err");
  std::string terminal = read_file(r.out);
  EXPECT_NE(terminal.find("Linux version 6.1"), std::string::npos);
  EXPECT_NE(read_file(dir.path() / "terminal.err").find("fuselab repro: cell stall"),
            std::string::npos);
  EXPECT_EQ(qemu_processes_mentioning(guest), 0) << "a QEMU process was left behind";
  EXPECT_TRUE(fs::is_empty(dir.path() / "work")) << "an overlay was left behind";
  auto result = testing::read_json(cell_dir / "result.json");
  EXPECT_EQ(result["verdict"], "HANG") << result["reason"];
  EXPECT_EQ(result["attempts"], 1);
  EXPECT_NE(read_file(cell_dir / "dmesg.txt").find(">>>> first report"), std::string::npos);
}

TEST(VmRepro, APassingCellOfAnEarlierRunIsHeldUpByItsReproScript) {
  TempDir dir(fs::temp_directory_path(), "fuselab-vm-");
  fs::create_directories(dir.path() / "work");
  fs::path results = dir.path() / "results";
  auto plan = testing::write_plan(dir.path(), "pass.yaml",
                                  "cells:\n  - id: quick\n    workload: {size_mib: 8}\n");
  auto first = testing::run_cli(
      {"run", plan.string(), "--results", results.string(), "--run-id", "first", "--accel", "tcg"});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;

  // The cell directory alone says what to boot (the run kept its plan), and its repro.sh says
  // how: the user runs that script.
  Repro r = start(dir.path(), {"/bin/sh", (results / "first" / "quick" / "repro.sh").string(),
                               "--results", results.string(), "--accel", "tcg"});
  ASSERT_TRUE(wait_for_text(r, "staying up until the host stops the guest", 180s))
      << read_file(dir.path() / "terminal.err");
  std::this_thread::sleep_for(5s);
  fs::path cell_dir = only_repro_cell(results, "quick");
  const std::string guest = guest_name(cell_dir);
  EXPECT_EQ(qemu_processes_mentioning(guest), 1) << "the guest powered off after its workload";

  EXPECT_EQ(testing::interrupt_and_wait(r.pid), 0) << read_file(dir.path() / "terminal.err");
  EXPECT_EQ(qemu_processes_mentioning(guest), 0);
  EXPECT_TRUE(fs::is_empty(dir.path() / "work"));
  auto result = testing::read_json(cell_dir / "result.json");
  EXPECT_EQ(result["verdict"], "PASS") << result["reason"];
  EXPECT_FALSE(fs::exists(cell_dir / "dmesg.txt"));
}

}  // namespace
}  // namespace fuselab
