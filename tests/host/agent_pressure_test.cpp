// Host tests of memory pressure: the hog really holds memory charged to the tested
// memcg, the monitor's PSI figures are numbers or a clear "absent", and a workload the memcg OOM
// killer ends is reported with stage "oom" and the group's oom_kill count. This sandbox's host
// cgroups are v1; a host where the agent cannot make a v1 memory group skips with the reason.
#include "host/agent_harness.h"

namespace {

using namespace fuselab::agent_test;

class AgentPressureTest : public AgentLocalTest {
 protected:
  // Runs `spec` in a v1 nested memcg; skips (with the agent's reason) when the host cannot.
  AgentRun run_in_v1_group(json spec, unsigned limit_mib) {
    spec["cgroup"] = {
        {"version", "v1"}, {"placement", "both-nested"}, {"memory_limit_mib", limit_mib}};
    AgentRun run = run_local(spec);
    expect_framing(run);
    return run;
  }
};

#define SKIP_IF_SKIPPED(run)                         \
  if (auto skips = (run).of("skip"); !skips.empty()) \
  GTEST_SKIP() << "agent skipped the cell: " << skips.front().value("reason", "")

TEST_F(AgentPressureTest, HogHoldsItsShareOfTheGroupLimit) {
  json spec = spec_with("null", false, 8);
  spec["pressure"] = {{"hog_percent", 40}};
  AgentRun run = run_in_v1_group(spec, 256);
  SKIP_IF_SKIPPED(run);
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  const json& hog = the_result(run).at("pressure").at("hog");
  const std::uint64_t want = (256ull << 20) / 100 * 40 / 4096 * 4096;
  EXPECT_EQ(hog.at("bytes"), want) << hog.dump();
  EXPECT_EQ(hog.at("basis"), "40% of the memcg limit");
  EXPECT_EQ(hog.at("end"), "held to the end") << hog.dump();
  EXPECT_NE(hog.at("cgroup"), "/") << "hog not in the nested group: " << hog.dump();
  // Resident, and charged to the tested group: not a reservation the kernel never backed.
  EXPECT_GE(hog.at("rss_kib").get<std::uint64_t>() << 10, want * 95 / 100) << hog.dump();
  ASSERT_TRUE(hog.at("group_usage_bytes").is_number()) << hog.dump();
  EXPECT_GE(hog.at("group_usage_bytes").get<std::uint64_t>(), want) << hog.dump();
}

TEST_F(AgentPressureTest, HogWithoutGroupUsesMemTotal) {
  json spec = spec_with("null", false, 4);
  spec["pressure"] = {{"hog_mib", 32}};
  AgentRun run = run_local(spec);
  expect_framing(run);
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  const json& r = the_result(run);
  EXPECT_EQ(r["pressure"]["hog"]["bytes"], 32u << 20);
  EXPECT_GE(r["pressure"]["hog"]["rss_kib"].get<std::uint64_t>(), 31u << 10);
  // No cgroup: no group PSI and no group counter, each with its reason.
  EXPECT_EQ(r["pressure"]["psi"]["group"]["absent"], "no tested memcg in this cell");
  EXPECT_TRUE(r["oom"]["group_oom_kills"].is_null());
}

TEST_F(AgentPressureTest, PsiIsNumbersOrAbsent) {
  json spec = spec_with("null", true, 32);
  spec["pressure"] = {{"hog_percent", 25}};
  AgentRun run = run_in_v1_group(spec, 128);
  SKIP_IF_SKIPPED(run);
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  const json& psi = the_result(run).at("pressure").at("psi");
  const json& sys = psi.at("system");
  if (access("/proc/pressure/memory", R_OK) == 0) {
    ASSERT_TRUE(sys.contains("samples")) << sys.dump();
    EXPECT_GE(sys.at("samples").get<unsigned>(), 1u);
    for (const char* k : {"some_avg10_max", "full_avg10_max", "some_stall_us", "full_stall_us"}) {
      ASSERT_TRUE(sys.at(k).is_number()) << k << ": " << sys.dump();
      EXPECT_GE(sys.at(k).get<double>(), 0) << k;
    }
  } else {
    EXPECT_FALSE(sys.at("absent").get<std::string>().empty()) << sys.dump();
  }
  EXPECT_EQ(psi.at("group").at("absent"), "cgroup v1 has no memory.pressure");
  // Progress lines (one a second: a fast host may finish before the first) carry the group's
  // OOM-kill count for the host to watch.
  for (const auto& p : run.of("progress")) EXPECT_TRUE(p.contains("oom_kills")) << p.dump();
}

TEST_F(AgentPressureTest, OomKilledWorkloadIsStageOomWithTheGroupCount) {
  // The server maps and touches 128 MiB per write in a 48 MiB group: the memcg OOM killer kills
  // it at the first write, the writer's fsync fails, and the agent must say why.
  json spec = spec_with("null", false, 4, {{"alloc_per_write_kib", 131072}});
  AgentRun run = run_in_v1_group(spec, 48);
  SKIP_IF_SKIPPED(run);
  EXPECT_EQ(run.exit_code, 1);
  auto errors = run.of("error");
  ASSERT_FALSE(errors.empty()) << run.stderr_text;
  EXPECT_EQ(errors.front().value("stage", ""), "oom") << errors.front().dump();
  const json& oom = the_result(run).at("oom");
  EXPECT_GE(oom.at("group_oom_kills").get<int>(), 1) << oom.dump();
  EXPECT_NE(oom.at("group_source").get<std::string>().find("memory.oom_control"),
            std::string::npos);
  EXPECT_FALSE(the_result(run).at("ok").get<bool>());
}

TEST_F(AgentPressureTest, PressureSpecIsChecked) {
  json spec = spec_with("null", false, 4);
  spec["pressure"] = {{"hog_percent", 96}};
  AgentRun run = run_local(spec);
  ASSERT_FALSE(run.of("error").empty());
  EXPECT_NE(run.of("error").front().value("detail", "").find("pressure.hog_percent"),
            std::string::npos);
  spec["pressure"] = {{"hog_percent", 10}, {"hog_mib", 10}};
  run = run_local(spec);
  ASSERT_FALSE(run.of("error").empty());
  EXPECT_NE(run.of("error").front().value("detail", "").find("not both"), std::string::npos);
}

}  // namespace
