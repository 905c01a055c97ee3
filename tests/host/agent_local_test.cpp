// Host tests of the guest agent: run the built agent's `local` subcommand (the guest's scenario
// code) on a temporary mountpoint with real FUSE, and check the protocol lines it prints.
#include "host/agent_harness.h"

namespace {

using namespace fuselab::agent_test;

struct Knobs {
  bool writeback_cache;
  unsigned threads;
};

void PrintTo(const Knobs& k, std::ostream* os) {
  *os << "writeback_cache=" << k.writeback_cache << " threads=" << k.threads;
}

class AgentSeqWriteTest : public AgentLocalTest, public ::testing::WithParamInterface<Knobs> {};

TEST_P(AgentSeqWriteTest, NullBackendReceivesEveryByte) {
  const auto [writeback_cache, threads] = GetParam();
  constexpr std::uint64_t kMiB = 1 << 20;
  AgentRun run = run_local(make_spec(writeback_cache, threads, 64, 1024, true));
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  expect_framing(run);
  EXPECT_TRUE(run.of("error").empty()) << run.of("error").front().dump();
  auto results = run.of("result");
  ASSERT_EQ(results.size(), 1u);
  const json& r = results.front();
  EXPECT_TRUE(r.at("ok").get<bool>());
  EXPECT_EQ(r.at("bytes_written").get<std::uint64_t>(), 64 * kMiB);
  EXPECT_EQ(r.at("server_bytes_written").get<std::uint64_t>(), 64 * kMiB);
  EXPECT_EQ(r.at("backend"), "null");
  EXPECT_EQ(r.at("block_kib"), 1024);
  EXPECT_EQ(r.at("fsync"), true);
  double elapsed = r.at("elapsed_s").get<double>();
  double rate = r.at("mib_per_s").get<double>();
  EXPECT_GT(elapsed, 0.0);
  EXPECT_NEAR(rate, 64.0 / elapsed, 64.0 / elapsed * 1e-6);
  // A null server on a host: far above disk speed, below memory bandwidth.
  EXPECT_GT(rate, 20.0);
  EXPECT_LT(rate, 100000.0);
  const json& req = r.at("server_requests");
  EXPECT_EQ(req.value("init", 0), 1);
  EXPECT_EQ(req.value("create", 0), 1);
  EXPECT_EQ(req.value("fsync", 0), 1);
  EXPECT_GE(req.value("release", 0), 1);
  // One FUSE_WRITE carries at most 1 MiB (libfuse's default buffer, 256 pages).
  EXPECT_GE(req.value("write", 0), 64);
}

INSTANTIATE_TEST_SUITE_P(AgentKnobs, AgentSeqWriteTest,
                         ::testing::Values(Knobs{false, 1}, Knobs{false, 4}, Knobs{true, 1},
                                           Knobs{true, 4}),
                         [](const auto& test) {
                           return std::string(test.param.writeback_cache ? "Writeback"
                                                                         : "WriteThrough") +
                                  "Threads" + std::to_string(test.param.threads);
                         });

TEST_F(AgentLocalTest, WithoutWritebackCacheEachWriteIsOneRequest) {
  // Without writeback cache every write(2) of 4 KiB becomes exactly one FUSE_WRITE.
  AgentRun run = run_local(make_spec(false, 1, 8, 4, false));
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  auto results = run.of("result");
  ASSERT_EQ(results.size(), 1u);
  const json& r = results.front();
  EXPECT_TRUE(r.at("ok").get<bool>());
  EXPECT_EQ(r.at("server_bytes_written").get<std::uint64_t>(), 8u << 20);
  EXPECT_EQ(r.at("server_requests").value("write", 0), 8 * 1024 / 4);
  EXPECT_FALSE(r.at("server_requests").contains("fsync"));
  EXPECT_EQ(r.at("fsync"), false);
}

TEST_F(AgentLocalTest, ProgressAtLeastEverySecond) {
  // 1 GiB in 4 KiB FUSE_WRITEs: a few seconds on a host, long enough for several progress lines.
  constexpr std::uint64_t kSize = 1024ull << 20;
  AgentRun run = run_local(make_spec(false, 1, 1024, 4, false));
  ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
  expect_framing(run);
  auto results = run.of("result");
  ASSERT_EQ(results.size(), 1u);
  double elapsed = results.front().at("elapsed_s").get<double>();
  auto progress = run.of("progress");
  // One line per whole second of writing (the first comes one second after the writer starts).
  EXPECT_GE(progress.size() + 1, static_cast<std::size_t>(elapsed)) << "elapsed " << elapsed;
  std::uint64_t last = 0;
  for (const auto& p : progress) {
    std::uint64_t done = p.at("bytes_done").get<std::uint64_t>();
    EXPECT_GE(done, last);
    EXPECT_LE(done, kSize);
    last = done;
  }
  if (elapsed > 2.0) {
    ASSERT_FALSE(progress.empty());
    EXPECT_GT(last, 0u);
  }
}

TEST_F(AgentLocalTest, UnknownSpecKeyIsASpecError) {
  json spec = make_spec(false, 1, 1, 1024, false);
  spec["server"]["colour"] = "blue";
  AgentRun run = run_local(spec);
  EXPECT_EQ(run.exit_code, 2);
  expect_framing(run);
  EXPECT_TRUE(run.of("result").empty());
  auto errors = run.of("error");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors.front().value("stage", ""), "spec");
  EXPECT_NE(errors.front().value("detail", "").find("server.colour"), std::string::npos)
      << "the error must name the key: " << errors.front().dump();
}

TEST_F(AgentLocalTest, UnknownTopLevelKeyIsASpecError) {
  json spec = make_spec(false, 1, 1, 1024, false);
  spec["colour"] = json::object();
  AgentRun run = run_local(spec);
  EXPECT_EQ(run.exit_code, 2);
  auto errors = run.of("error");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors.front().value("stage", ""), "spec");
  EXPECT_TRUE(run.of("result").empty());
}

TEST_F(AgentLocalTest, BadValuesAndMissingKeysAreSpecErrors) {
  std::vector<json> bad;
  json threads_zero = make_spec(false, 0, 1, 1024, false);
  bad.push_back(threads_zero);
  json unknown_backend = make_spec(false, 1, 1, 1024, false);
  unknown_backend["server"]["backend"] = "tape";
  bad.push_back(unknown_backend);
  json missing_fsync = make_spec(false, 1, 1, 1024, false);
  missing_fsync["workload"].erase("fsync");
  bad.push_back(missing_fsync);
  json wrong_type = make_spec(false, 1, 1, 1024, false);
  wrong_type["server"]["writeback_cache"] = "yes";
  bad.push_back(wrong_type);
  for (const json& spec : bad) {
    AgentRun run = run_local(spec);
    EXPECT_EQ(run.exit_code, 2) << spec.dump();
    auto errors = run.of("error");
    ASSERT_EQ(errors.size(), 1u) << spec.dump();
    EXPECT_EQ(errors.front().value("stage", ""), "spec") << spec.dump();
  }
  AgentRun not_json = run_local_text("{\"server\":");
  EXPECT_EQ(not_json.exit_code, 2);
  ASSERT_EQ(not_json.of("error").size(), 1u);
  EXPECT_EQ(not_json.of("error").front().value("stage", ""), "spec");
}

TEST_F(AgentLocalTest, MissingMountpointIsAMountError) {
  std::string missing = mountpoint_ + "/does-not-exist";
  AgentRun run = run_agent(
      {"local", "--mountpoint", missing, "--spec", make_spec(false, 1, 1, 1024, false).dump()});
  EXPECT_EQ(run.exit_code, 1);
  expect_framing(run);
  EXPECT_TRUE(run.of("result").empty());
  auto errors = run.of("error");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors.front().value("stage", ""), "mount");
}

TEST_F(AgentLocalTest, BadUsageExitsTwo) {
  AgentRun run = run_agent({"local", "--mountpoint", mountpoint_});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_TRUE(run.lines.empty());
}

}  // namespace
