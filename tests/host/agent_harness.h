// Shared by the agent's host tests (agent_*_test.cpp): run the built agent's `local` subcommand
// (the guest's scenario code) on a temporary mountpoint with real FUSE, collect the protocol
// lines it prints.
#pragma once

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

namespace fuselab::agent_test {

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
inline AgentRun run_agent(const std::vector<std::string>& args,
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

inline bool mounted_at(const std::string& path) {
  std::ifstream in("/proc/self/mountinfo");
  std::string id, parent, dev, root, mountpoint, rest;
  while (in >> id >> parent >> dev >> root >> mountpoint) {
    std::getline(in, rest);
    if (mountpoint == path) return true;
  }
  return false;
}

inline json make_spec(bool writeback_cache, unsigned threads, unsigned size_mib, unsigned block_kib,
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

// A v1 spec with one server key changed or added.
inline json spec_with(const std::string& backend, bool writeback_cache, unsigned size_mib,
                      json server_extra = json::object()) {
  json spec = make_spec(writeback_cache, 1, size_mib, 1024, true);
  spec["server"]["backend"] = backend;
  for (const auto& [k, v] : server_extra.items()) spec["server"][k] = v;
  return spec;
}

// The one `result` of a run, or a failed assertion.
inline const json& the_result(const AgentRun& run) {
  static const json empty = json::object();
  auto results = run.of("result");
  EXPECT_EQ(results.size(), 1u) << run.stderr_text;
  for (const auto& l : run.lines)
    if (l.value("msg", "") == "result") return l;
  return empty;
}

}  // namespace fuselab::agent_test
