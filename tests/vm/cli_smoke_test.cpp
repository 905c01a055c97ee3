// The smoke plan through the CLI on real guests (QEMU, TCG here): what a user and CI run.
#include <gtest/gtest.h>

#include "support/cli_runner.h"

namespace fuselab {
namespace {

using testing::only_run_dir;
using testing::read_json;
using testing::run_cli;
using testing::write_plan;

TEST(VmSmoke, SmokePlanGetsEveryExpectedVerdictWithItsEvidence) {
  TempDir dir(std::filesystem::temp_directory_path(), "fuselab-vm-");
  auto r = run_cli({"run", std::string(FUSELAB_SOURCE_DIR) + "/configs/smoke.yaml", "--results",
                    (dir.path() / "results").string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto run_dir = only_run_dir(dir.path() / "results");
  ASSERT_FALSE(run_dir.empty());
  auto run = read_json(run_dir / "run.json");
  EXPECT_EQ(run["exit_code"], 0);
  ASSERT_GE(run["cells"].size(), 8u);
  for (const char* f : {"junit.xml", "summary.md", "report.html"}) {
    EXPECT_TRUE(std::filesystem::exists(run_dir / f)) << f;
  }
  int passes = 0;
  for (const auto& cell : run["cells"]) {
    std::string id = cell["id"];
    auto result = read_json(run_dir / id / "result.json");
    EXPECT_TRUE(result["matched"].get<bool>()) << id << ": " << result["reason"];
    // Every cell keeps its evidence files.
    EXPECT_NE(read_file(run_dir / id / "console.log").find("Linux version 6.1."), std::string::npos)
        << id;
    EXPECT_NE(read_file(run_dir / id / "agent.jsonl").find("\"hello\""), std::string::npos) << id;
    EXPECT_NE(read_file(run_dir / id / "domain.xml").find("<domain"), std::string::npos) << id;
    // dmesg.txt exactly for the failed cells (the stall control's HANG), and named in files.
    EXPECT_EQ(std::filesystem::exists(run_dir / id / "dmesg.txt"),
              result["files"].contains("dmesg"))
        << id;
    EXPECT_EQ(result["files"].contains("dmesg"), result["verdict"] == "HANG") << id;
    if (result["verdict"] != "PASS") continue;
    ++passes;
    const auto& agent = result["agent_result"];
    ASSERT_TRUE(agent.is_object()) << id;
    unsigned long long expected = result["spec"]["workload"]["size_mib"].get<unsigned long long>()
                                  << 20;
    EXPECT_EQ(agent["bytes_written"].get<unsigned long long>(), expected) << id;
    EXPECT_EQ(agent["server_bytes_written"].get<unsigned long long>(), expected) << id;
    EXPECT_GT(agent["mib_per_s"].get<double>(), 1.0) << id;
    EXPECT_GT(result["timing"]["boot_to_hello_s"].get<double>(), 0.0) << id;
    // A passing cell's longest pause stays below any stall_after_s that would call it stuck.
    EXPECT_LT(agent["monitor"]["max_no_progress_s"].get<double>(),
              result["spec"]["monitor"]["stall_after_s"].get<double>())
        << id;
    EXPECT_EQ(result["kernel"]["release"].get<std::string>().rfind("6.1.", 0), 0u) << id;
  }
  EXPECT_GE(passes, 8);
  EXPECT_NE(r.out.find("PASS"), std::string::npos) << r.out;
}

// The stall control: a server that stops answering FUSE_WRITE must come out as HANG, with the
// hung-task report's frames and the blocked writer's stack (sysrq-w on the console, and the
// agent monitor's task list).
TEST(VmSmoke, StallControlIsAHangWithTheBlockedWritersStack) {
  TempDir dir(std::filesystem::temp_directory_path(), "fuselab-vm-");
  auto plan = write_plan(
      dir.path(), "stall.yaml",
      "cells:\n  - id: stall\n"
      "    server: {backend: stall, stall_after_mib: 4, writeback_cache: true, max_ratio: 100}\n"
      "    workload: {size_mib: 16}\n"
      "    monitor: {stall_after_s: 5, hung_task_timeout_secs: 5}\n"
      "    evidence_s: 10\n    expect: HANG\n");
  auto r = run_cli({"run", plan.string(), "--results", (dir.path() / "results").string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto run_dir = only_run_dir(dir.path() / "results");
  auto result = read_json(run_dir / "stall" / "result.json");
  EXPECT_EQ(result["verdict"], "HANG");
  EXPECT_NE(result["signature"].get<std::string>().find("task hung in"), std::string::npos)
      << result["signature"];
  ASSERT_FALSE(result["reports"].empty());
  EXPECT_EQ(result["reports"][0]["kind"], "hung-task");
  EXPECT_FALSE(result["reports"][0]["frames"].empty());
  EXPECT_NE(read_file(run_dir / "stall" / "console.log").find("Show Blocked State"),
            std::string::npos);
  const auto& stall = result["agent_stall"];
  ASSERT_TRUE(stall.is_object());
  // The cell ended once the evidence was in (report, trace, sysrq's dump: both asserted here),
  // not after the whole evidence_s.
  EXPECT_EQ(stall["trace"], true) << stall.dump();
  ASSERT_TRUE(result["trace"].is_object()) << result.dump().substr(0, 2000);
  EXPECT_FALSE(result["trace"]["agent"].is_null()) << result["trace"];
  EXPECT_LT(result["timing"]["evidence_s"].get<double>(), 9.0) << result["timing"];
  bool writer_stack = false;
  for (const auto& task : stall["tasks"]) {
    if (task["role"] == "writer" && task["state"] == "D" &&
        !task["stack"].get<std::string>().empty())
      writer_stack = true;
  }
  EXPECT_TRUE(writer_stack) << stall.dump();
  // Every task's state too (sysrq-t, once), and the FUSE connection's queue and limits.
  std::string console = read_file(run_dir / "stall" / "console.log");
  EXPECT_NE(console.find("sysrq: Show State"), std::string::npos);
  ASSERT_FALSE(stall["fuse_connections"].empty()) << stall.dump();
  for (const auto& [conn, c] : stall["fuse_connections"].items()) {
    EXPECT_GT(c["max_background"].get<long long>(), 0) << conn;
    EXPECT_EQ(c["waiting"], stall["fuse_waiting"][conn]) << conn;
  }
  EXPECT_TRUE(result["agent_result"].is_null() ||
              result["agent_result"]["monitor"]["sysrq_tasks"].get<bool>());
  // dmesg.txt for the HANG: marked at the first report, with the writer's stack.
  EXPECT_EQ(result["files"]["dmesg"], "dmesg.txt");
  auto dmesg = read_file(run_dir / "stall" / "dmesg.txt");
  EXPECT_NE(dmesg.find(">>>> first report (console line "), std::string::npos);
  EXPECT_NE(dmesg.find("role writer"), std::string::npos)
      << dmesg.substr(dmesg.size() > 4000 ? dmesg.size() - 4000 : 0);
}

// Cgroup placement as the guest read it back matches the spec, in v1 and in v2.
TEST(VmSmoke, CgroupPlacementReadBackMatchesTheSpec) {
  TempDir dir(std::filesystem::temp_directory_path(), "fuselab-vm-");
  auto plan = write_plan(
      dir.path(), "cg.yaml",
      "defaults:\n  workload: {size_mib: 16}\n  cgroup: {memory_limit_mib: 256}\n"
      "axes:\n  cgroup: [v1, v2]\n  placement: [both-nested, server-root, workload-root]\n");
  auto r = run_cli({"run", plan.string(), "--results", (dir.path() / "results").string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto run = read_json(only_run_dir(dir.path() / "results") / "run.json");
  ASSERT_EQ(run["cells"].size(), 6u);
  for (const auto& cell : run["cells"]) {
    const auto& cg = cell["agent_result"]["cgroup"];
    std::string placement = cell["spec"]["cgroup"]["placement"];
    EXPECT_EQ(cg["version"], cell["spec"]["cgroup"]["version"]) << cell["id"];
    EXPECT_EQ(cg["placement"], placement) << cell["id"];
    EXPECT_TRUE(cg["verified"].get<bool>()) << cell["id"] << cg.dump();
    bool server_nested = placement == "both-nested" || placement == "workload-root";
    bool workload_nested = placement == "both-nested" || placement == "server-root";
    EXPECT_EQ(cg["server"] != "/", server_nested) << cell["id"] << cg.dump();
    EXPECT_EQ(cg["workload"] != "/", workload_nested) << cell["id"] << cg.dump();
    EXPECT_EQ(cg["memory_limit"], "268435456") << cell["id"];
  }
}

// A kernel without the cgroup v1 memory controller (Debian trixie's 6.12) cannot run a v1 cell:
// SKIP with the reason, not FAIL, decided from the kernel's configuration before booting.
TEST(VmSmoke, V1CellOnAKernelWithoutV1MemcgIsSkip) {
  TempDir dir(std::filesystem::temp_directory_path(), "fuselab-vm-");
  auto plan =
      write_plan(dir.path(), "skip.yaml",
                 "cells:\n  - id: v1-on-612\n    kernel: debian:trixie:cloud-amd64\n"
                 "    cgroup: {version: v1, placement: both-nested, memory_limit_mib: 256}\n"
                 "    workload: {size_mib: 16}\n");
  auto r = run_cli({"run", plan.string(), "--results", (dir.path() / "results").string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;  // SKIP is not a broken expectation
  auto result = read_json(only_run_dir(dir.path() / "results") / "v1-on-612" / "result.json");
  EXPECT_EQ(result["verdict"], "SKIP");
  EXPECT_NE(result["reason"].get<std::string>().find("v1"), std::string::npos) << result["reason"];
  EXPECT_NE(result["reason"].get<std::string>().find("CONFIG_MEMCG_V1 is not set"),
            std::string::npos)
      << result["reason"];
  EXPECT_EQ(result["kernel"]["release"].get<std::string>().rfind("6.12", 0), 0u)
      << result["kernel"];
  EXPECT_EQ(result["end"], "not-booted");
}

// A guest whose root disk never appears: the agent's stage 1 waits for it, so the host's boot
// deadline fires first. INFRA, console kept, nothing left running.
TEST(VmFailures, GuestThatNeverReachesTheAgentIsInfraWithConsoleKept) {
  TempDir dir(std::filesystem::temp_directory_path(), "fuselab-vm-");
  auto plan =
      write_plan(dir.path(), "noboot.yaml",
                 "cells:\n  - id: noboot\n    kernel_cmdline: fuselab.root=/dev/nonexistent\n"
                 "    boot_timeout_s: 12\n    cell_timeout_s: 60\n    infra_retries: 0\n");
  auto r = run_cli({"run", plan.string(), "--results", (dir.path() / "results").string()});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  auto run_dir = only_run_dir(dir.path() / "results");
  auto result = read_json(run_dir / "noboot" / "result.json");
  EXPECT_EQ(result["verdict"], "INFRA");
  EXPECT_EQ(result["end"], "boot-deadline");
  EXPECT_NE(read_file(run_dir / "noboot" / "console.log").find("Linux version"), std::string::npos);
}

// The agent gives up on the missing root and powers off: the host sees a power-off without a
// report and says so.
TEST(VmFailures, GuestThatPowersOffWithoutReportingIsInfra) {
  TempDir dir(std::filesystem::temp_directory_path(), "fuselab-vm-");
  auto plan =
      write_plan(dir.path(), "silent.yaml",
                 "cells:\n  - id: silent\n    kernel_cmdline: fuselab.root=/dev/nonexistent\n"
                 "    boot_timeout_s: 90\n    cell_timeout_s: 120\n    infra_retries: 0\n");
  auto r = run_cli({"run", plan.string(), "--results", (dir.path() / "results").string()});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  auto run_dir = only_run_dir(dir.path() / "results");
  auto result = read_json(run_dir / "silent" / "result.json");
  EXPECT_EQ(result["verdict"], "INFRA");
  EXPECT_EQ(result["end"], "powered-off");
  EXPECT_NE(read_file(run_dir / "silent" / "console.log").find("fuselab-agent: FATAL"),
            std::string::npos);
}

// A cache whose path is too long for QEMU's sockets under the embedded driver's root (a user's
// home, FUSELAB_CACHE_DIR under a temp dir) made every cell INFRA: "UNIX socket path ... too
// long". Here the long path is a symlink to the real cache, so nothing is fetched again.
TEST(VmSmoke, CacheWithALongPathStillBootsItsCells) {
  TempDir dir(std::filesystem::temp_directory_path(), "fuselab-vm-long-cache-path-");
  const auto cache = dir.path() / "a-cache-directory-name-long-enough-to-overflow-sun-path";
  std::filesystem::create_directory_symlink(cache_dir(), cache);
  auto r = run_cli({"run", std::string(FUSELAB_SOURCE_DIR) + "/configs/smoke.yaml", "--cell",
                    "base", "--results", (dir.path() / "results").string()},
                   std::chrono::minutes(10), {{"FUSELAB_CACHE_DIR", cache.string()}});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.err.find("too long"), std::string::npos) << r.err;
  auto run = read_json(only_run_dir(dir.path() / "results") / "run.json");
  ASSERT_EQ(run["cells"].size(), 1u);
  EXPECT_EQ(run["cells"][0]["verdict"], "PASS");
  // The driver's slots went to a short private directory, not under the long path.
  const auto uri = run["libvirt_uri"].get<std::string>();
  EXPECT_EQ(uri.rfind("qemu:///embed?root=/tmp/fuselab-", 0), 0u) << uri;
  std::error_code ec;
  const auto root = std::filesystem::path(uri.substr(uri.find('=') + 1));
  std::filesystem::remove_all(root.parent_path(), ec);
}

}  // namespace
}  // namespace fuselab
