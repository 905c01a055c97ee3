// Host tests of the mmap-write and fio workloads and of external FUSE servers: every
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

// libfuse's passthrough_ll with the writeback cache over {source}, 16 MiB of seq-write.
json passthrough_ll_spec() {
  json spec = spec_with("external", true, 16);
  spec["server"]["exec"] = {passthrough_ll(),  "-f",          "-o", "writeback", "-o",
                            "source={source}", "{mountpoint}"};
  spec["workload"]["kind"] = "seq-write";
  return spec;
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

// The warm-up pass is written, counted by the server, removed, and kept out of every figure of
// the measured pass: bytes, the server's count, fio's report.
TEST_F(AgentWorkloadTest, FioWarmUpIsWrittenThenLeftOutOfTheFigures) {
  if (!have_fio()) GTEST_SKIP() << "fio not installed";
  json spec = spec_with("null", true, 32);
  spec["server"]["threads"] = 4;
  spec["workload"] = {{"kind", "fio"}, {"size_mib", 32}, {"block_kib", 1024},
                      {"fsync", true}, {"jobs", 4},      {"warmup_mib", 10}};
  AgentRun run = run_local(spec);
  expect_framing(run);
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text
                              << (run.of("error").empty() ? "" : run.of("error").front().dump());
  const json& r = the_result(run);
  EXPECT_TRUE(r.at("ok").get<bool>());
  EXPECT_EQ(r.at("bytes_written"), 32u << 20);
  EXPECT_EQ(r.at("server_bytes_written"), 32u << 20);
  // 10 MiB over 4 jobs: 2 MiB each (fio's size is per job, whole MiB), 8 MiB in all.
  EXPECT_EQ(r.at("warmup").at("bytes"), 8u << 20) << r.at("warmup").dump();
  EXPECT_GT(r.at("warmup").at("elapsed_s").get<double>(), 0);
  // The server saw both passes: two sets of 4 files created and the first 4 unlinked.
  EXPECT_EQ(r.at("server_requests").value("create", 0), 8);
  EXPECT_EQ(r.at("server_requests").value("unlink", 0), 4);
  EXPECT_TRUE(r.at("fio").at("reported").get<bool>());
}

TEST_F(AgentWorkloadTest, WarmUpOfAnExternalServerLeavesOnlyTheMeasuredFile) {
  if (access(passthrough_ll().c_str(), X_OK) != 0) GTEST_SKIP() << "passthrough_ll not built";
  json spec = passthrough_ll_spec();
  spec["workload"]["warmup_mib"] = 8;
  AgentRun run = run_local(spec);
  expect_framing(run);
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  const json& r = the_result(run);
  EXPECT_TRUE(r.at("ok").get<bool>());
  // Counted in the source directory after unmount: the warm-up's file is gone by then.
  EXPECT_EQ(r.at("server_bytes_written"), 16u << 20);
  EXPECT_EQ(r.at("warmup").at("bytes"), 8u << 20);
}

TEST_F(AgentWorkloadTest, WithoutWarmUpTheResultSaysNull) {
  AgentRun run = run_local(spec_with("null", true, 4));
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  EXPECT_TRUE(the_result(run).at("warmup").is_null());
}

TEST_F(AgentWorkloadTest, ExternalPassthroughLlStoresEveryByte) {
  if (access(passthrough_ll().c_str(), X_OK) != 0) GTEST_SKIP() << "passthrough_ll not built";
  json spec = passthrough_ll_spec();
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

TEST_F(AgentWorkloadTest, DiskSourceLivesOnTheRootFileSystemAndIsRemovedAfter) {
  if (access(passthrough_ll().c_str(), X_OK) != 0) GTEST_SKIP() << "passthrough_ll not built";
  json spec = passthrough_ll_spec();
  spec["server"]["source"] = "disk";
  AgentRun run = run_local(spec);
  expect_framing(run);
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  const json& r = the_result(run);
  EXPECT_EQ(r.at("server_bytes_written"), 16u << 20);
  const std::string source =
      "/var/tmp/fuselab-source." + std::filesystem::path(mountpoint_).filename().string();
  EXPECT_EQ(r.at("server").at("external").at("source"), source);
  EXPECT_EQ(r.at("server").at("external").at("argv").at(5), "source=" + source);
  EXPECT_FALSE(std::filesystem::exists(source)) << "source dir left behind";
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
