// Ctrl-C during a run: the CLI stops the running guest, removes its overlay, keeps what finished,
// and exits 130. Checked from outside, as a user would: processes and files.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <thread>

#include "support/cli_runner.h"
#include "support/qemu_processes.h"

extern char** environ;

namespace fuselab {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

using testing::qemu_processes_mentioning;

TEST(VmInterrupt, CtrlCLeavesNoGuestNoOverlayAndKeepsResults) {
  TempDir dir(fs::temp_directory_path(), "fuselab-vm-");
  fs::path results = dir.path() / "results";
  fs::path work = dir.path() / "work";
  fs::create_directories(work);
  const std::string run_id = "interrupt-test";
  auto plan = testing::write_plan(dir.path(), "long.yaml",
                                  "cells:\n  - id: first\n    workload: {size_mib: 16}\n"
                                  "  - id: long\n    workload: {size_mib: 4096, block_kib: 4}\n"
                                  "    cell_timeout_s: 600\n");
  std::vector<std::string> args = {FUSELAB_CLI_PATH, "run",      plan.string(), "--results",
                                   results.string(), "--run-id", run_id};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  setenv("FUSELAB_WORK_DIR", work.c_str(), 1);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ), 0);
  unsetenv("FUSELAB_WORK_DIR");

  // Wait until the second cell's guest has written its hello, i.e. it is mid-workload.
  fs::path agent_log = results / run_id / "long" / "agent.jsonl";
  auto deadline = std::chrono::steady_clock::now() + 300s;
  bool running = false;
  while (std::chrono::steady_clock::now() < deadline) {
    if (fs::exists(agent_log) && read_file(agent_log).find("progress") != std::string::npos) {
      running = true;
      break;
    }
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_TRUE(running) << "the long cell never started";
  // The guest's name, as libvirt knows it, from the domain XML the run kept.
  std::string xml = read_file(results / run_id / "long" / "domain.xml");
  auto name_at = xml.find("<name>") + 6;
  const std::string guest_prefix = xml.substr(name_at, xml.find("</name>") - name_at);
  ASSERT_EQ(guest_prefix.rfind("fl-", 0), 0u) << guest_prefix;
  EXPECT_GE(qemu_processes_mentioning(guest_prefix), 1);
  kill(pid, SIGINT);

  int status = 0;
  for (int i = 0; i < 600 && waitpid(pid, &status, WNOHANG) == 0; ++i)
    std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(WIFEXITED(status)) << "fuselab did not exit within 60 s of SIGINT";
  EXPECT_EQ(WEXITSTATUS(status), 130);

  EXPECT_EQ(qemu_processes_mentioning(guest_prefix), 0) << "a QEMU process was left behind";
  EXPECT_TRUE(fs::is_empty(work)) << "an overlay or work directory was left behind";
  auto run = testing::read_json(results / run_id / "run.json");
  EXPECT_EQ(run["interrupted"], true);
  ASSERT_GE(run["cells"].size(), 1u);
  EXPECT_EQ(run["cells"][0]["id"], "first");
  EXPECT_EQ(run["cells"][0]["verdict"], "PASS");  // the finished cell is kept
}

}  // namespace
}  // namespace fuselab
