// Host tests of the mmap-write and fio workloads and of external FUSE servers (issue #3): every
// byte the workload wrote is counted by the server (the agent's own, or an external server's
// source directory), and fio's report comes back parsed.
#include <filesystem>

#include "host/agent_harness.h"

namespace {

using namespace fuselab::agent_test;

std::string passthrough_ll() {
  return (std::filesystem::path(FUSELAB_AGENT_PATH).parent_path() / "fuselab-passthrough_ll")
      .string();
}

bool have_fio() {
  return access("/usr/bin/fio", X_OK) == 0 || access("/usr/local/bin/fio", X_OK) == 0;
}

class AgentWorkloadTest : public AgentLocalTest {};

TEST_F(AgentWorkloadTest, MmapWriteBytesReachTheServer) {
  for (bool writeback_cache : {false, true}) {
    json spec = spec_with("null", writeback_cache, 24);
    spec["workload"]["kind"] = "mmap-write";
    AgentRun run = run_local(spec);
    expect_framing(run);
    ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
    const json& r = the_result(run);
    EXPECT_EQ(r.at("bytes_written"), 24u << 20) << "writeback_cache " << writeback_cache;
    EXPECT_EQ(r.at("server_bytes_written"), 24u << 20) << "writeback_cache " << writeback_cache;
    EXPECT_GT(r.at("server_requests").value("write", 0), 0);
  }
}

TEST_F(AgentWorkloadTest, FioReportIsParsedAndBytesMatch) {
  if (!have_fio()) GTEST_SKIP() << "fio not installed";
  json spec = spec_with("null", true, 32);
  spec["server"]["threads"] = 4;
  spec["workload"] = {
      {"kind", "fio"}, {"size_mib", 32}, {"block_kib", 1024}, {"fsync", true}, {"jobs", 4}};
  AgentRun run = run_local(spec);
  expect_framing(run);
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  const json& r = the_result(run);
  EXPECT_EQ(r.at("bytes_written"), 32u << 20);
  EXPECT_EQ(r.at("server_bytes_written"), 32u << 20);
  const json& fio = r.at("fio");
  EXPECT_TRUE(fio.at("reported").get<bool>()) << fio.dump();
  EXPECT_EQ(fio.at("jobs"), 4);
  EXPECT_GT(fio.at("bw_bytes").get<double>(), 0);
  EXPECT_GT(fio.at("iops").get<double>(), 0);
  EXPECT_GT(fio.at("clat_p99_us").get<double>(), 0);
  EXPECT_GE(fio.at("clat_p99_us").get<double>(), fio.at("clat_p50_us").get<double>());
}

TEST_F(AgentWorkloadTest, ExternalPassthroughLlStoresEveryByte) {
  if (access(passthrough_ll().c_str(), X_OK) != 0) GTEST_SKIP() << "passthrough_ll not built";
  json spec = spec_with("external", true, 16);
  spec["server"]["exec"] = {passthrough_ll(),  "-f",          "-o", "writeback", "-o",
                            "source={source}", "{mountpoint}"};
  spec["workload"]["kind"] = "seq-write";
  AgentRun run = run_local(spec);
  expect_framing(run);
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  const json& r = the_result(run);
  EXPECT_EQ(r.at("server_bytes_written"), 16u << 20);
  const json& ext = r.at("server").at("external");
  EXPECT_EQ(ext.at("bytes_counted_in"), "source");
  EXPECT_EQ(ext.at("argv").at(6), mountpoint_);
  EXPECT_EQ(ext.at("argv").at(5), "source=" + mountpoint_ + ".source");
  EXPECT_FALSE(std::filesystem::exists(mountpoint_ + ".source")) << "source dir left behind";
}

TEST_F(AgentWorkloadTest, ExternalServerThatNeverMountsFailsAtMount) {
  json spec = spec_with("external", false, 4);
  spec["server"]["exec"] = {"/bin/sleep", "30"};
  auto start = std::chrono::steady_clock::now();
  AgentRun run = run_local(spec);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(25));
  auto errors = run.of("error");
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors.front().value("stage", ""), "mount");
  EXPECT_NE(errors.front().value("detail", "").find("did not mount"), std::string::npos)
      << errors.front().dump();
  json missing = spec_with("external", false, 4);
  missing["server"]["exec"] = {"/nonexistent/server", "{mountpoint}"};
  run = run_local(missing);
  ASSERT_FALSE(run.of("error").empty());
  EXPECT_NE(run.of("error").front().value("detail", "").find("exec /nonexistent/server"),
            std::string::npos)
      << run.of("error").front().dump();
}

}  // namespace
