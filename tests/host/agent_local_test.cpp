// Host tests of the guest agent: run the built agent's `local` subcommand (the guest's scenario
// code) on a temporary mountpoint with real FUSE, and check the protocol lines it prints.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace {

using nlohmann::json;

struct AgentRun {
  int exit_code = -1;
  std::vector<json> lines;  // every stdout line, parsed
  std::string stderr_text;

  std::vector<json> of(const std::string& msg) const {
    std::vector<json> out;
    for (const auto& l : lines)
      if (l.value("msg", "") == msg) out.push_back(l);
    return out;
  }
};

// Runs the agent with `args`, killing it after `timeout`; stdout lines must all be JSON objects.
AgentRun run_agent(const std::vector<std::string>& args,
                   std::chrono::seconds timeout = std::chrono::seconds(120)) {
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
  std::vector<std::string> argv_strings = {FUSELAB_AGENT_PATH};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    dup2(err[1], STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  std::string out_text, err_text;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  int open_fds = 2;
  while (open_fds > 0 && std::chrono::steady_clock::now() < deadline) {
    if (poll(fds, 2, 200) <= 0) continue;
    for (auto& p : fds) {
      if (p.fd < 0 || !(p.revents & (POLLIN | POLLHUP))) continue;
      char buf[4096];
      ssize_t n = read(p.fd, buf, sizeof(buf));
      if (n > 0) {
        (p.fd == out[0] ? out_text : err_text).append(buf, static_cast<std::size_t>(n));
      } else {
        close(p.fd);
        p.fd = -1;
        --open_fds;
      }
    }
  }
  if (open_fds > 0) kill(pid, SIGKILL);
  for (auto& p : fds)
    if (p.fd >= 0) close(p.fd);
  int status = 0;
  waitpid(pid, &status, 0);
  AgentRun run;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run.stderr_text = err_text;
  std::size_t start = 0;
  for (std::size_t nl; (nl = out_text.find('\n', start)) != std::string::npos; start = nl + 1) {
    json j = json::parse(out_text.substr(start, nl - start), nullptr, false);
    EXPECT_TRUE(j.is_object()) << "not a JSON object: " << out_text.substr(start, nl - start);
    if (j.is_object()) run.lines.push_back(j);
  }
  EXPECT_EQ(start, out_text.size()) << "unterminated last line";
  return run;
}

bool mounted_at(const std::string& path) {
  std::ifstream in("/proc/self/mountinfo");
  std::string id, parent, dev, root, mountpoint, rest;
  while (in >> id >> parent >> dev >> root >> mountpoint) {
    std::getline(in, rest);
    if (mountpoint == path) return true;
  }
  return false;
}

json make_spec(bool writeback_cache, unsigned threads, unsigned size_mib, unsigned block_kib,
               bool fsync) {
  return {
      {"server", {{"backend", "null"}, {"writeback_cache", writeback_cache}, {"threads", threads}}},
      {"workload",
       {{"kind", "seq-write"},
        {"size_mib", size_mib},
        {"block_kib", block_kib},
        {"fsync", fsync}}}};
}

class AgentLocalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Gate on what the test needs, not on the kernel version.
    if (geteuid() != 0) GTEST_SKIP() << "needs root to mount FUSE without fusermount3";
    if (access("/dev/fuse", R_OK | W_OK) != 0) GTEST_SKIP() << "needs /dev/fuse";
    char dir[] = "/tmp/fuselab-agent-test.XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    mountpoint_ = dir;
  }
  void TearDown() override {
    if (mountpoint_.empty()) return;
    EXPECT_FALSE(mounted_at(mountpoint_)) << "mount left behind on " << mountpoint_;
    std::error_code ec;
    std::filesystem::remove(mountpoint_, ec);
    EXPECT_FALSE(ec) << "cannot remove " << mountpoint_ << ": " << ec.message();
  }

  AgentRun run_local(const json& spec) {
    return run_agent({"local", "--mountpoint", mountpoint_, "--spec", spec.dump()});
  }
  AgentRun run_local_text(const std::string& spec) {
    return run_agent({"local", "--mountpoint", mountpoint_, "--spec", spec});
  }

  // Every run starts with hello and ends with bye, each line stamped with t.
  static void expect_framing(const AgentRun& run) {
    ASSERT_GE(run.lines.size(), 2u) << run.stderr_text;
    EXPECT_EQ(run.lines.front().value("msg", ""), "hello");
    EXPECT_EQ(run.lines.front().value("proto", 0), 1);
    EXPECT_FALSE(run.lines.front().value("kernel", "").empty());
    EXPECT_EQ(run.lines.back().value("msg", ""), "bye");
    double last_t = 0;
    for (const auto& l : run.lines) {
      ASSERT_TRUE(l.contains("t") && l["t"].is_number()) << l.dump();
      EXPECT_GE(l["t"].get<double>(), last_t) << "t goes backwards";
      last_t = l["t"].get<double>();
    }
  }

  std::string mountpoint_;
};

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
                         [](const auto& info) {
                           return std::string(info.param.writeback_cache ? "Writeback"
                                                                         : "WriteThrough") +
                                  "Threads" + std::to_string(info.param.threads);
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
  spec["monitor"] = json::object();
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
