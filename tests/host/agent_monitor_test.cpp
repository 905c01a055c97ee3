// Host tests of the agent's monitor and IO_FLUSHER: the stall backend blocks a writer,
// the monitor reports the stall with the writer's stack, then (on_stall "abort") aborts the
// connection so that the test ends, bounded, with no mount left behind.
#include <linux/capability.h>

#include "host/agent_harness.h"

namespace {

using namespace fuselab::agent_test;

// Whether this process has CAP_SYS_RESOURCE in its effective set (PR_SET_IO_FLUSHER needs it;
// containers often drop it even for root).
bool have_cap_sys_resource() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "CapEff:") {
      std::string hex;
      status >> hex;
      return (std::stoull(hex, nullptr, 16) >> CAP_SYS_RESOURCE) & 1;
    }
    status.ignore(1 << 16, '\n');
  }
  return false;
}

TEST_F(AgentLocalTest, StallBackendBlocksTheWriterAndTheMonitorReportsIt) {
  // Writeback cache on: the writer fills the page cache, then blocks (dirty throttling or fsync)
  // because writeback never completes past the first 4 MiB.
  json spec = spec_with("stall", true, 64, {{"stall_after_bytes", 4 << 20}});
  // No sysrq: 't' would dump every task of this host into its kernel log.
  spec["monitor"] = {{"stall_after_s", 2}, {"on_stall", "abort"}, {"sysrq", false}};
  auto started = std::chrono::steady_clock::now();
  AgentRun run = run_agent({"local", "--mountpoint", mountpoint_, "--spec", spec.dump()},
                           std::chrono::seconds(60));
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_LT(took, 30.0) << "the stall must end with the abort, not the test's timeout";
  EXPECT_EQ(run.exit_code, 1) << run.stderr_text;
  expect_framing(run);

  auto stalls = run.of("stall");
  ASSERT_EQ(stalls.size(), 1u) << run.stderr_text;
  const json& stall = stalls.front();
  EXPECT_EQ(stall.at("reason"), "no progress");
  EXPECT_GE(stall.at("since_progress_s").get<double>(), 2.0);
  EXPECT_EQ(stall.at("server_bytes_written").get<std::uint64_t>(), 4u << 20);
  EXPECT_GE(stall.at("server_unanswered_writes").get<std::uint64_t>(), 1u);
  EXPECT_TRUE(stall.at("sysrq").is_boolean());
  bool writer_listed = false;
  for (const auto& task : stall.at("tasks")) {
    if (task.at("role") != "writer") continue;
    writer_listed = true;
    EXPECT_EQ(task.at("pid"), stall.at("writer_pid"));
    EXPECT_TRUE(task.at("stack").is_string());
    EXPECT_TRUE(task.at("wchan").is_string());
  }
  EXPECT_TRUE(writer_listed) << stall.dump();
  // Heartbeats went on while nothing progressed.
  EXPECT_GE(run.of("progress").size(), 2u);

  const json& r = the_result(run);
  EXPECT_FALSE(r.at("ok").get<bool>());
  EXPECT_EQ(r.at("monitor").at("stalls"), 1);
  EXPECT_TRUE(r.at("monitor").at("mlocked").get<bool>());
  bool stall_error = false;
  for (const auto& e : run.of("error")) stall_error |= e.at("stage") == "stall";
  EXPECT_TRUE(stall_error);
  // TearDown checks that no mount is left behind.
}

// The evidence a kernel developer reads first: the tested memcg's state and the FUSE
// connection's queue at the moment the watchdog fired, in the stall message itself.
TEST_F(AgentLocalTest, StallEvidenceHasTheTestedMemcgAndTheFuseConnections) {
  json spec = spec_with("stall", true, 64, {{"stall_after_bytes", 4 << 20}});
  spec["monitor"] = {{"stall_after_s", 2}, {"on_stall", "abort"}, {"sysrq", false}};
  spec["cgroup"] = {{"version", "v1"}, {"placement", "both-nested"}, {"memory_limit_mib", 256}};
  AgentRun run = run_agent({"local", "--mountpoint", mountpoint_, "--spec", spec.dump()},
                           std::chrono::seconds(60));
  if (!run.of("skip").empty()) GTEST_SKIP() << run.of("skip").front().dump();
  auto stalls = run.of("stall");
  ASSERT_EQ(stalls.size(), 1u) << run.stderr_text;
  const json& stall = stalls.front();

  ASSERT_TRUE(stall.contains("memcg")) << stall.dump();
  const json& memcg = stall.at("memcg");
  // both-nested: the tested group is the one the writer joined.
  std::string path = memcg.at("path").get<std::string>();
  std::string workload_group = the_result(run).at("cgroup").at("workload").get<std::string>();
  EXPECT_TRUE(path.starts_with("/sys/fs/cgroup/memory/")) << path;
  EXPECT_TRUE(path.ends_with(workload_group)) << path << " vs " << workload_group;
  // v1 file names; the limit is the 256 MiB the spec asked for.
  EXPECT_EQ(std::stoull(memcg.at("memory.limit_in_bytes").get<std::string>()), 256ull << 20);
  EXPECT_GT(std::stoull(memcg.at("memory.usage_in_bytes").get<std::string>()), 0ull);
  std::string stat = "\n" + memcg.at("memory.stat").get<std::string>();
  EXPECT_NE(stat.find("\ncache "), std::string::npos) << stat;
  EXPECT_NE(stat.find("\nwriteback "), std::string::npos) << stat;
  EXPECT_NE(memcg.at("memory.oom_control").get<std::string>().find("oom_kill_disable"),
            std::string::npos);

  // One entry per FUSE connection the guest (here: this host) lists under fusectl; every entry
  // has the three numbers, and the waiting count matches fuse_waiting.
  const json& conns = stall.at("fuse_connections");
  ASSERT_TRUE(conns.is_object());
  EXPECT_EQ(conns.size(), stall.at("fuse_waiting").size());
  for (const auto& [conn, c] : conns.items()) {
    EXPECT_EQ(c.at("waiting"), stall.at("fuse_waiting").at(conn));
    EXPECT_GT(c.at("max_background").get<long long>(), 0) << conn;
    EXPECT_GT(c.at("congestion_threshold").get<long long>(), 0) << conn;
  }
  EXPECT_FALSE(the_result(run).at("monitor").at("sysrq_tasks").get<bool>());
}

TEST_F(AgentLocalTest, NoStallReportWhenWritesComplete) {
  json spec = spec_with("stall", true, 8, {{"stall_after_bytes", 64 << 20}});
  spec["monitor"] = {{"stall_after_s", 2}, {"on_stall", "abort"}};
  AgentRun run = run_local(spec);
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  EXPECT_TRUE(run.of("stall").empty());
  EXPECT_EQ(the_result(run).at("server_bytes_written").get<std::uint64_t>(), 8u << 20);
}

TEST_F(AgentLocalTest, IoFlusherIsVerifiedOrAClearError) {
  AgentRun run = run_local(spec_with("null", true, 8, {{"io_flusher", true}, {"threads", 2}}));
  if (have_cap_sys_resource()) {
    ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
    // Checked with PR_GET_IO_FLUSHER in the serving thread, not only where it was set.
    EXPECT_EQ(the_result(run).at("server").at("io_flusher"), true);
  } else {
    EXPECT_EQ(run.exit_code, 1);
    ASSERT_EQ(run.of("error").size(), 1u);
    std::string detail = run.of("error").front().value("detail", "");
    EXPECT_NE(detail.find("CAP_SYS_RESOURCE"), std::string::npos) << detail;
    EXPECT_TRUE(run.of("result").empty());
  }
}

}  // namespace
