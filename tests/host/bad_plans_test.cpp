// The bad-plan corpus (tests/data/bad-plans/, see its README.md), walked through the real CLI:
// for every file both `fuselab plan` and `fuselab run --accel tcg` exit 2 with the expected text,
// file:line and key, never "internal error", before any artifact work (a short deadline proves
// it: nothing is downloaded or booted) and without writing anything.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <set>

#include "support/cli_runner.h"

namespace fs = std::filesystem;

namespace fuselab {
namespace {

struct Expectation {
  std::string text, key;
  int line = 0;  // 0: the error has no line (e.g. the file cannot be read)
};

Expectation read_expectation(const fs::path& file) {
  Expectation e;
  std::ifstream in(file, std::ios::binary);
  std::string line;
  while (std::getline(in, line) && line.starts_with("# ")) {
    if (line.starts_with("# EXPECT: ")) e.text = line.substr(10);
    if (line.starts_with("# KEY: ")) e.key = line.substr(7);
    if (line.starts_with("# LINE: ")) e.line = std::stoi(line.substr(8));
  }
  return e;
}

// Every path under `dir`, relative, for "nothing was written".
std::set<std::string> tree(const fs::path& dir) {
  std::set<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       it != fs::recursive_directory_iterator(); ++it) {
    auto rel = it->path().lexically_relative(dir).string();  // no stat: the tree may hold a loop
    if (rel != "cache/libvirt.log") out.insert(rel);         // libvirt opens its log at start-up
  }
  return out;
}

class BadPlans : public ::testing::Test {
 protected:
  TempDir dir{fs::temp_directory_path(), "fuselab-bad-plans-"};
  // Deep, so that an id of "../../x" would still land inside `dir` where the test sees it.
  fs::path results() const { return dir.path() / "a" / "b" / "results"; }
  fs::path cache() const { return dir.path() / "cache"; }

  // Runs both commands on `plan` and checks every promise of the corpus README.
  void expect_rejected(const fs::path& plan, const Expectation& want) {
    SCOPED_TRACE(plan.string());
    fs::create_directories(results());
    fs::create_directories(cache());
    auto before = tree(dir.path());
    std::map<std::string, bool> outside_before;
    for (const char* outside : {"/tmp/x", "/tmp/x=one", "/tmp/x=two"})
      outside_before[outside] = fs::exists(outside);
    std::map<std::string, std::string> env = {{"FUSELAB_CACHE_DIR", cache().string()}};
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"plan", plan.string()},
             {"run", plan.string(), "--accel", "tcg", "--results", results().string()}}) {
      SCOPED_TRACE(args[0]);
      auto r = testing::run_cli(args, std::chrono::seconds(30), env);
      EXPECT_EQ(r.exit_code, 2) << r.err;
      EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
      EXPECT_NE(r.err.find(want.text), std::string::npos)
          << "want '" << want.text << "' in: " << r.err;
      if (want.line > 0) {
        std::string at = plan.string() + ":" + std::to_string(want.line) + ":";
        EXPECT_NE(r.err.find(at), std::string::npos) << "want '" << at << "' in: " << r.err;
      }
      if (!want.key.empty()) {
        EXPECT_NE(r.err.find("key '" + want.key), std::string::npos)
            << "want key '" << want.key << "' in: " << r.err;
      }
      // No escape or control character from the plan reaches the terminal.
      for (char c : r.err) EXPECT_TRUE(c == '\n' || static_cast<unsigned char>(c) >= 0x20) << r.err;
      EXPECT_EQ(tree(dir.path()), before) << "a rejected plan wrote files";
    }
    // Where the absolute axis names of the corpus would write.
    for (const auto& [outside, existed] : outside_before)
      EXPECT_EQ(fs::exists(outside), existed) << outside << " appeared";
  }
};

TEST_F(BadPlans, EveryCorpusFileIsRejectedClearly) {
  const fs::path corpus = fs::path(FUSELAB_TEST_DATA) / "bad-plans";
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(corpus)) {
    if (e.path().extension() == ".yaml") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 60u);
  for (const auto& file : files) {
    Expectation want = read_expectation(file);
    ASSERT_FALSE(want.text.empty()) << file << " has no '# EXPECT:' line";
    expect_rejected(file, want);
  }
}

// Cases that git cannot hold as files: made here.
TEST_F(BadPlans, PlanFileThatIsASymlinkLoop) {
  auto plan = dir.path() / "loop.yaml";
  fs::create_symlink(plan, plan);
  expect_rejected(plan, {"Too many levels of symbolic links", "", 0});
}

TEST_F(BadPlans, PlanFileThatIsADirectory) {
  auto plan = dir.path() / "plan.yaml";
  fs::create_directory(plan);
  expect_rejected(plan, {"is not a regular file", "", 0});
}

TEST_F(BadPlans, PlanFileThatIsAFifo) {
  auto plan = dir.path() / "fifo.yaml";
  ASSERT_EQ(::mkfifo(plan.c_str(), 0600), 0);
  expect_rejected(plan, {"is not a regular file", "", 0});  // and does not block reading it
}

TEST_F(BadPlans, PlanFileThatIsADevice) {
  expect_rejected("/dev/zero", {"is not a regular file", "", 0});
}

TEST_F(BadPlans, PlanFileTooLarge) {
  auto plan = dir.path() / "huge.yaml";
  write_file_atomic(plan, "cells:\n  - id: a\n" + std::string(2 << 20, '#') + "\n");
  expect_rejected(plan, {"more than 1048576", "", 0});
}

}  // namespace
}  // namespace fuselab
