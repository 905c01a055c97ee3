// Host tests of the agent's server knobs: each backend receives every byte, with and
// without splice; max_write splits writes; the counters and latencies are reported.
#include <sys/stat.h>

#include "host/agent_harness.h"

namespace {

using namespace fuselab::agent_test;

constexpr std::uint64_t kMiB = 1 << 20;

struct BackendCase {
  const char* backend;
  bool splice;
  bool writeback_cache;
};

void PrintTo(const BackendCase& c, std::ostream* os) {
  *os << c.backend << " splice=" << c.splice << " writeback_cache=" << c.writeback_cache;
}

class AgentBackendTest : public AgentLocalTest, public ::testing::WithParamInterface<BackendCase> {
 protected:
  void TearDown() override {
    std::error_code ec;
    if (!backing_.empty()) {
      EXPECT_TRUE(std::filesystem::is_empty(backing_, ec)) << "backing files left in " << backing_;
      std::filesystem::remove_all(backing_, ec);
    }
    AgentLocalTest::TearDown();
  }
  std::string backing_;
};

TEST_P(AgentBackendTest, EveryByteReachesTheBackend) {
  const BackendCase c = GetParam();
  json extra = {{"splice", c.splice}};
  if (std::string(c.backend) == "passthrough") {
    backing_ = mountpoint_ + ".backing";
    extra["passthrough_dir"] = backing_;
  }
  AgentRun run = run_local(spec_with(c.backend, c.writeback_cache, 32, extra));
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text
                              << (run.of("error").empty() ? "" : run.of("error").front().dump());
  expect_framing(run);
  const json& r = the_result(run);
  EXPECT_TRUE(r.at("ok").get<bool>());
  EXPECT_EQ(r.at("backend"), c.backend);
  EXPECT_EQ(r.at("bytes_written").get<std::uint64_t>(), 32 * kMiB);
  EXPECT_EQ(r.at("server_bytes_written").get<std::uint64_t>(), 32 * kMiB);
  const json& server = r.at("server");
  EXPECT_EQ(server.at("splice").get<bool>(), c.splice) << "splice is negotiated from the spec only";
  EXPECT_EQ(server.at("writeback_cache").get<bool>(), c.writeback_cache);
  EXPECT_EQ(server.at("unanswered_writes").get<std::uint64_t>(), 0u);
  // Latency per opcode: the p99 is a bucket bound, never above the max.
  const json& write = server.at("latency_us").at("write");
  EXPECT_GT(write.at("max").get<double>(), 0.0);
  EXPECT_LE(write.at("p99").get<double>(), write.at("max").get<double>());
  // The memory backend keeps the data in the server: its peak RSS holds the file.
  if (std::string(c.backend) == "memory") {
    EXPECT_GE(server.at("vm_hwm_kib").get<std::uint64_t>(), 32u * 1024);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, AgentBackendTest,
                         ::testing::Values(BackendCase{"null", false, true},
                                           BackendCase{"null", true, true},
                                           BackendCase{"memory", false, true},
                                           BackendCase{"memory", true, false},
                                           BackendCase{"passthrough", false, true},
                                           BackendCase{"passthrough", true, false}),
                         [](const auto& test) {
                           return std::string(test.param.backend) +
                                  (test.param.splice ? "Splice" : "Copy") +
                                  (test.param.writeback_cache ? "Writeback" : "WriteThrough");
                         });

TEST_F(AgentLocalTest, MaxWriteSplitsWrites) {
  // 128 KiB per FUSE_WRITE: 8 MiB written through 1 MiB write(2)s arrive as 64 requests.
  AgentRun run = run_local(spec_with("null", false, 8, {{"max_write", 128 * 1024}}));
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  const json& r = the_result(run);
  EXPECT_EQ(r.at("server").at("max_write"), 128 * 1024);
  EXPECT_EQ(r.at("server_requests").value("write", 0), 64);
  EXPECT_EQ(r.at("server_bytes_written").get<std::uint64_t>(), 8 * kMiB);
}

TEST_F(AgentLocalTest, AllocPerWriteGrowsTheServersRss) {
  // 32 MiB mapped and touched per FUSE_WRITE: the server's peak RSS holds at least that much,
  // while without the knob a null server stays far below it.
  constexpr std::uint64_t kAllocKib = 32UL * 1024;
  for (const char* mode : {"mmap", "malloc"}) {
    AgentRun run = run_local(
        spec_with("null", false, 4, {{"alloc_per_write_kib", kAllocKib}, {"alloc_mode", mode}}));
    ASSERT_EQ(run.exit_code, 0) << mode << ": " << run.stderr_text;
    const json& server = the_result(run).at("server");
    EXPECT_EQ(server.at("alloc_mode"), mode);
    std::uint64_t writes = the_result(run).at("server_requests").value("write", 0ull);
    EXPECT_EQ(server.at("alloc_bytes").get<std::uint64_t>(), writes * kAllocKib * 1024) << mode;
    EXPECT_GE(server.at("vm_hwm_kib").get<std::uint64_t>(), kAllocKib) << mode;
  }
  AgentRun plain = run_local(spec_with("null", false, 4));
  ASSERT_EQ(plain.exit_code, 0) << plain.stderr_text;
  EXPECT_LT(the_result(plain).at("server").at("vm_hwm_kib").get<std::uint64_t>(), kAllocKib / 2);
  EXPECT_EQ(the_result(plain).at("server").at("alloc_bytes"), 0);
}

TEST_F(AgentLocalTest, WriteDelayMakesEveryWriteThatMuchSlower) {
  // 8 MiB through 128 KiB FUSE_WRITEs: 64 requests, each held 20 ms by the knob, so at least
  // 1.28 s of the server's write time; the p99 latency shows each one waited.
  AgentRun run = run_local(
      spec_with("null", false, 8, {{"max_write", 128 * 1024}, {"write_delay_us", 20000}}));
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  const json& r = the_result(run);
  EXPECT_EQ(r.at("server").at("write_delay_us"), 20000);
  EXPECT_EQ(r.at("server_requests").value("write", 0), 64);
  EXPECT_GE(r.at("elapsed_s").get<double>(), 64 * 0.020);
  const json& write = r.at("server").at("latency_us").at("write");
  EXPECT_GE(write.at("p99").get<double>(), 20000.0) << write.dump();
}

TEST_F(AgentLocalTest, BdiKnobsAreSetAfterMountAndReadBack) {
  AgentRun run =
      run_local(spec_with("null", true, 4, {{"max_ratio", 100}, {"strict_limit", false}}));
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  const json& bdi = the_result(run).at("bdi");
  ASSERT_TRUE(bdi.at("device").is_string());
  EXPECT_EQ(bdi.at("device").get<std::string>().rfind("0:", 0), 0u) << "FUSE has an anonymous dev";
  EXPECT_TRUE(bdi.at("failed").empty()) << bdi.dump();
  // Gate on the kernel's files, not its version: each knob is applied or reported missing.
  for (const char* knob : {"max_ratio", "strict_limit"}) {
    bool applied = false, missing = false;
    for (const auto& a : bdi.at("applied")) applied |= a == knob;
    for (const auto& m : bdi.at("missing")) missing |= m == knob;
    EXPECT_NE(applied, missing) << knob << ": " << bdi.dump();
    if (applied) {
      EXPECT_EQ(bdi.at(knob), std::string(knob) == "max_ratio" ? 100 : 0) << bdi.dump();
    }
  }
}

TEST_F(AgentLocalTest, NewKeysHaveRangeChecks) {
  for (const json& extra :
       {json{{"max_write", 1024}}, json{{"alloc_mode", "brk"}}, json{{"max_ratio", 101}},
        json{{"stall_after_bytes", -1}}, json{{"passthrough_dir", ""}}}) {
    AgentRun run = run_local(spec_with("null", false, 1, extra));
    EXPECT_EQ(run.exit_code, 2) << extra.dump();
    ASSERT_EQ(run.of("error").size(), 1u) << extra.dump();
    EXPECT_EQ(run.of("error").front().value("stage", ""), "spec");
    EXPECT_NE(run.of("error").front().value("detail", "").find(extra.begin().key()),
              std::string::npos);
  }
}

}  // namespace
