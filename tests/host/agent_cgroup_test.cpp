// Host tests of the agent's cgroup topology: on this machine's hierarchy, each
// placement is read back by the children themselves, or the cell is skipped with a reason when
// the kernel (or the host's mounts) cannot run it. Gated on what the machine has, not on versions.
#include "host/agent_harness.h"

namespace {

using namespace fuselab::agent_test;

struct Placement {
  const char* version;
  const char* placement;
};

class AgentCgroupTest : public AgentLocalTest, public ::testing::WithParamInterface<Placement> {};

TEST_P(AgentCgroupTest, PlacementIsReadBackOrTheCellIsSkipped) {
  const auto [version, placement] = GetParam();
  json spec = spec_with("null", true, 16);
  spec["cgroup"] = {{"version", version}, {"placement", placement}, {"memory_limit_mib", 256}};
  AgentRun run = run_local(spec);
  expect_framing(run);
  auto skips = run.of("skip");
  if (!skips.empty()) {
    // Only the kernel's or the machine's lack may skip a cell, and it must say which.
    EXPECT_FALSE(skips.front().value("reason", "").empty());
    EXPECT_TRUE(run.of("result").empty());
    GTEST_SKIP() << skips.front().value("reason", "");
  }
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  const json& cg = the_result(run).at("cgroup");
  EXPECT_TRUE(cg.at("verified").get<bool>()) << cg.dump();
  const std::string p = placement;
  bool server_nested = p == "both-nested" || p == "workload-root";
  bool workload_nested = p == "both-nested" || p == "server-root";
  EXPECT_EQ(cg.at("server") != "/", server_nested) << cg.dump();
  EXPECT_EQ(cg.at("workload") != "/", workload_nested) << cg.dump();
  if (server_nested || workload_nested) {
    EXPECT_EQ(cg.at("memory_limit"), std::to_string(256u << 20)) << cg.dump();
    std::error_code ec;
    EXPECT_FALSE(std::filesystem::exists(
        cg.at("hierarchy").get<std::string>() + "/" +
            (server_nested ? cg.at("server") : cg.at("workload")).get<std::string>(),
        ec))
        << "nested group left behind";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Placements, AgentCgroupTest,
    ::testing::Values(Placement{"v1", "both-root"}, Placement{"v1", "both-nested"},
                      Placement{"v1", "server-root"}, Placement{"v1", "workload-root"},
                      Placement{"v2", "both-root"}, Placement{"v2", "both-nested"},
                      Placement{"v2", "server-root"}, Placement{"v2", "workload-root"}),
    [](const auto& test) {
      std::string name = std::string(test.param.version) + "_" + test.param.placement;
      for (char& c : name)
        if (c == '-') c = '_';
      return name;
    });

}  // namespace
