// A kernel that crashes during boot on every attempt is the kernel's result, BOOT_ERROR (what
// syzkaller calls a boot error), with its console; not exit 3 "the lab failed". A real guest:
// the smoke kernel told to run an init that does not exist panics before the agent's hello.
#include <gtest/gtest.h>

#include "support/cli_runner.h"

namespace fuselab {
namespace {

using testing::only_run_dir;
using testing::read_json;
using testing::run_cli;
using testing::write_plan;

TEST(VmBootError, KernelPanickingAtBootOnTheRetryTooIsBootErrorAndExitZeroWhenExpected) {
  TempDir dir(std::filesystem::temp_directory_path(), "fuselab-vm-");
  // No rdinit: the kernel mounts a root instead and, without one, panics. init= then names a
  // program nowhere: "Kernel panic - not syncing: ..." either way, before any agent runs.
  auto plan = write_plan(dir.path(), "bootpanic.yaml",
                         "cells:\n  - id: bootpanic\n"
                         "    kernel_cmdline: rdinit=/nonexistent init=/nonexistent\n"
                         "    boot_timeout_s: 60\n    cell_timeout_s: 90\n    infra_retries: 2\n"
                         "    expect: BOOT_ERROR\n");
  auto r = run_cli(
      {"run", plan.string(), "--accel", "tcg", "--results", (dir.path() / "results").string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  auto run_dir = only_run_dir(dir.path() / "results");
  ASSERT_FALSE(run_dir.empty());
  auto result = read_json(run_dir / "bootpanic" / "result.json");
  EXPECT_EQ(result["verdict"], "BOOT_ERROR") << result["reason"];
  EXPECT_TRUE(result["matched"].get<bool>());
  // Confirmed on the first retry: two attempts, not three.
  EXPECT_EQ(result["attempts"], 2);
  EXPECT_EQ(result["end"], "kernel-panic");
  EXPECT_EQ(result["outcomes"], nlohmann::json::array({"BOOT_ERROR"}));
  std::string signature = result["signature"];
  EXPECT_EQ(signature.rfind("kernel panic: ", 0), 0u) << signature;
  // The console of both attempts is kept, and the report carries its excerpt.
  EXPECT_NE(read_file(run_dir / "bootpanic" / "console.log").find("Kernel panic - not syncing"),
            std::string::npos);
  EXPECT_NE(
      read_file(run_dir / "bootpanic" / "attempt1.console.log").find("Kernel panic - not syncing"),
      std::string::npos);
  ASSERT_TRUE(result["reports"].is_array() && !result["reports"].empty());
  EXPECT_NE(result["reports"][0]["excerpt"].get<std::string>().find("Kernel panic"),
            std::string::npos);
  auto run = read_json(run_dir / "run.json");
  EXPECT_EQ(run["exit_code"], 0);
}

// The same kernel result where the plan expected the cell to pass: a broken expectation (exit 1),
// the kernel's fault, not the lab's (exit 3).
TEST(VmBootError, UnexpectedBootErrorIsExitOne) {
  TempDir dir(std::filesystem::temp_directory_path(), "fuselab-vm-");
  auto plan = write_plan(dir.path(), "bootpanic.yaml",
                         "cells:\n  - id: bootpanic\n"
                         "    kernel_cmdline: rdinit=/nonexistent init=/nonexistent\n"
                         "    boot_timeout_s: 60\n    cell_timeout_s: 90\n    infra_retries: 1\n");
  auto r = run_cli(
      {"run", plan.string(), "--accel", "tcg", "--results", (dir.path() / "results").string()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  auto result = read_json(only_run_dir(dir.path() / "results") / "bootpanic" / "result.json");
  EXPECT_EQ(result["verdict"], "BOOT_ERROR") << result["reason"];
  EXPECT_FALSE(result["matched"].get<bool>());
}

}  // namespace
}  // namespace fuselab
