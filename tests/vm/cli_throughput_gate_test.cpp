// ci/throughput-gate as CI runs it, on real boots: a baseline recorded from a small gate plan,
// then the same plan again passes the gate (an A/A pair), and the same cells with a server that
// sleeps in every FUSE_WRITE (server.write_delay_us) fail it, naming the slowdown. The baseline
// kept in the repo must itself be a run the gate reads.
#include <gtest/gtest.h>

#include <iostream>

#include "support/cli_runner.h"

namespace fuselab {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// The gate plan's shape, smaller: one block size, 4 boots a side (a minute a run here).
std::string gate_plan(unsigned write_delay_us) {
  std::string server = "{backend: null, threads: 1, writeback_cache: true";
  if (write_delay_us) server += ", write_delay_us: " + std::to_string(write_delay_us);
  return "name: gate-small\n"
         "defaults:\n"
         "  kernel: debian:bookworm:cloud-amd64\n"
         "  image: bookworm\n"
         "  memory_mib: 1024\n"
         "  vcpus: 2\n"
         "  exclusive: true\n"
         "  server: " +
         server +
         "}\n"
         "  workload: {kind: seq-write, size_mib: 128, block_kib: 1024, fsync: true}\n"
         "axes: {block_kib: [1024]}\n"  // repeat applies to a matrix: one cell, `base`
         "repeat: 4\n";
}

CommandResult run_gate(const fs::path& dir, const std::string& plan_name,
                       const std::vector<std::string>& args) {
  std::vector<std::string> argv = {(fs::path(FUSELAB_SOURCE_DIR) / "ci/throughput-gate").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandOptions options;
  options.timeout = 20min;
  options.env_set = {{"FUSELAB_BUILD_DIR", fs::path(FUSELAB_CLI_PATH).parent_path().parent_path()},
                     {"FUSELAB_GATE_PLAN", (dir / plan_name).string()},
                     {"FUSELAB_GATE_BASELINE", (dir / "baseline").string()},
                     {"FUSELAB_GATE_REPORT", (dir / "gate.md").string()}};
  return run_command(argv, options);
}

TEST(VmThroughputGate, PassesAnAaPairAndFailsASlowedServer) {
  TempDir dir(fs::temp_directory_path(), "fuselab-vm-");
  testing::write_plan(dir.path(), "gate.yaml", gate_plan(0));
  testing::write_plan(dir.path(), "slow.yaml", gate_plan(10000));

  auto recorded = run_gate(dir.path(), "gate.yaml", {"--record"});
  ASSERT_EQ(recorded.exit_code, 0) << recorded.out << recorded.err;
  ASSERT_TRUE(fs::is_regular_file(dir.path() / "baseline/run.json"));

  auto same = run_gate(dir.path(), "gate.yaml", {});
  const std::string aa = read_file(dir.path() / "gate.md");
  std::cout << "[ NOTE ] A/A gate:\n" << aa << "\n";
  EXPECT_EQ(same.exit_code, 0) << same.out << same.err << aa;

  auto slow = run_gate(dir.path(), "slow.yaml", {});
  const std::string slowed = read_file(dir.path() / "gate.md");
  std::cout << "[ NOTE ] slowed server gate:\n" << slowed << "\n";
  EXPECT_EQ(slow.exit_code, 1) << slow.out << slow.err << slowed;
  EXPECT_NE(slowed.find("slower"), std::string::npos) << slowed;
}

TEST(VmThroughputGate, TheStoredBaselineIsARunTheGateReads) {
  const fs::path baseline = fs::path(FUSELAB_SOURCE_DIR) / "ci/baseline/gate-throughput";
  auto r = testing::run_cli(
      {"compare", baseline.string(), baseline.string(), "--gate", "--format", "markdown"}, 60s);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  // Both block sizes of configs/gate-throughput.yaml, 5 boots each.
  EXPECT_NE(r.out.find("base"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("block\\_kib=64"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("no significant change"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace fuselab
