// FUSE servers from Debian's archive, as a server author would run them: the image recipe
// bookworm-servers brings bindfs, and the two plans that use it run through the CLI as users
// run them (cells picked with --cell): a throughput cell whose every byte lands in bindfs's
// source on disk, and the deadlock-matrix cell on the unguarded kernel, where bindfs passes
// (configs/servers-deadlock.yaml says why).
#include <gtest/gtest.h>

#include "support/cli_runner.h"

namespace fuselab {
namespace {

using testing::only_run_dir;
using testing::read_json;
using testing::run_cli;

nlohmann::json run_one(const TempDir& dir, const std::string& plan, const std::string& cell,
                       const std::string& results) {
  auto r = run_cli({"run", std::string(FUSELAB_SOURCE_DIR) + "/configs/" + plan, "--cell", cell,
                    "--results", (dir.path() / results).string()},
                   std::chrono::minutes(20));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  auto run = read_json(only_run_dir(dir.path() / results) / "run.json");
  EXPECT_EQ(run["cells"].size(), 1u);
  return run["cells"].empty() ? nlohmann::json() : run["cells"][0];
}

TEST(VmDebianServers, BindfsFromTheArchiveIsMeasuredAndRunsTheDeadlockCell) {
  TempDir dir(std::filesystem::temp_directory_path(), "fuselab-vm-");
  const auto throughput = run_one(dir, "servers-throughput.yaml", "kernel=7.2.r1", "tp");
  ASSERT_EQ(throughput["verdict"], "PASS") << throughput["reason"];
  const auto& agent = throughput["agent_result"];
  EXPECT_EQ(agent["server_bytes_written"], 256u << 20);
  EXPECT_EQ(agent["warmup"]["bytes"], 32u << 20);
  EXPECT_GT(agent["fio"]["bw_bytes"].get<double>(), 1e6);
  const auto& ext = agent["server"]["external"];
  EXPECT_EQ(ext["argv"][0], "/usr/bin/bindfs") << ext.dump();
  EXPECT_EQ(ext["bytes_counted_in"], "source");

  const auto deadlock = run_one(dir, "servers-deadlock.yaml", "kernel=unguarded", "dl");
  EXPECT_EQ(deadlock["verdict"], "PASS") << deadlock["reason"];
  EXPECT_NE(deadlock["kernel"]["release"].get<std::string>().find("7."), std::string::npos);
  EXPECT_EQ(deadlock["agent_result"]["server_bytes_written"], 768u << 20);
}

}  // namespace
}  // namespace fuselab
