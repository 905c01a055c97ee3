// The smoke plan through the CLI on real guests (QEMU, TCG here): what a user and CI run.
#include <gtest/gtest.h>

#include "support/cli_runner.h"

namespace fuselab {
namespace {

using testing::only_run_dir;
using testing::read_json;
using testing::run_cli;
using testing::write_plan;

TEST(VmSmoke, SmokePlanPassesWithMatchingByteCounts) {
  TempDir dir(std::filesystem::temp_directory_path(), "fuselab-vm-");
  auto r = run_cli({"run", std::string(FUSELAB_SOURCE_DIR) + "/configs/smoke.yaml", "--results",
                    (dir.path() / "results").string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto run_dir = only_run_dir(dir.path() / "results");
  ASSERT_FALSE(run_dir.empty());
  auto run = read_json(run_dir / "run.json");
  EXPECT_EQ(run["exit_code"], 0);
  ASSERT_GE(run["cells"].size(), 1u);
  for (const auto& cell : run["cells"]) {
    std::string id = cell["id"];
    auto result = read_json(run_dir / id / "result.json");
    EXPECT_EQ(result["verdict"], "PASS") << id << ": " << result["reason"];
    const auto& agent = result["agent_result"];
    ASSERT_TRUE(agent.is_object()) << id;
    unsigned long long expected = result["spec"]["workload"]["size_mib"].get<unsigned long long>() << 20;
    EXPECT_EQ(agent["bytes_written"].get<unsigned long long>(), expected) << id;
    EXPECT_EQ(agent["server_bytes_written"].get<unsigned long long>(), expected) << id;
    EXPECT_GT(agent["mib_per_s"].get<double>(), 1.0) << id;
    EXPECT_GT(result["timing"]["boot_to_hello_s"].get<double>(), 0.0) << id;
    EXPECT_EQ(result["kernel"]["release"].get<std::string>().rfind("6.1.", 0), 0u) << id;
    // The evidence files are there and hold what they should.
    auto console = read_file(run_dir / id / "console.log");
    EXPECT_NE(console.find("Linux version 6.1."), std::string::npos) << id;
    EXPECT_NE(read_file(run_dir / id / "agent.jsonl").find("\"hello\""), std::string::npos) << id;
    EXPECT_NE(read_file(run_dir / id / "domain.xml").find("<domain"), std::string::npos) << id;
  }
  EXPECT_NE(r.out.find("PASS"), std::string::npos) << r.out;
}

// A guest whose root disk never appears: the agent's stage 1 waits for it, so the host's boot
// deadline fires first. INFRA, console kept, nothing left running.
TEST(VmFailures, GuestThatNeverReachesTheAgentIsInfraWithConsoleKept) {
  TempDir dir(std::filesystem::temp_directory_path(), "fuselab-vm-");
  auto plan = write_plan(dir.path(), "noboot.yaml",
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
  auto plan = write_plan(dir.path(), "silent.yaml",
                         "cells:\n  - id: silent\n    kernel_cmdline: fuselab.root=/dev/nonexistent\n"
                         "    boot_timeout_s: 90\n    cell_timeout_s: 120\n    infra_retries: 0\n");
  auto r = run_cli({"run", plan.string(), "--results", (dir.path() / "results").string()});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  auto run_dir = only_run_dir(dir.path() / "results");
  auto result = read_json(run_dir / "silent" / "result.json");
  EXPECT_EQ(result["verdict"], "INFRA");
  EXPECT_EQ(result["end"], "powered-off");
  EXPECT_NE(read_file(run_dir / "silent" / "console.log").find("fuselab-agent: FATAL"), std::string::npos);
}

}  // namespace
}  // namespace fuselab
