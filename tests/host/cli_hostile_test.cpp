// Hostile environment and hostile files at the CLI: an unusable cache directory, and shards whose
// run.json or cell directories try to write or read outside the merge.
#include <gtest/gtest.h>

#include "support/cli_runner.h"

namespace fs = std::filesystem;

namespace fuselab {
namespace {

using testing::run_cli;

class CliHostile : public ::testing::Test {
 protected:
  TempDir dir{fs::temp_directory_path(), "fuselab-hostile-"};
};

TEST_F(CliHostile, UnusableCacheDirDoesNotStopHelpOrPlan) {
  auto file = dir.path() / "not-a-dir";
  write_file_atomic(file, "x");
  std::map<std::string, std::string> env = {{"FUSELAB_CACHE_DIR", file.string()}};
  auto help = run_cli({"--help"}, std::chrono::seconds(30), env);
  EXPECT_EQ(help.exit_code, 0) << help.err;
  EXPECT_NE(help.out.find("run"), std::string::npos);
  auto plan =
      run_cli({"plan", FUSELAB_SOURCE_DIR "/configs/smoke.yaml"}, std::chrono::seconds(30), env);
  EXPECT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_EQ(plan.err.find("internal error"), std::string::npos) << plan.err;
}

TEST_F(CliHostile, UnusableCacheDirIsAClearErrorForCommandsThatNeedIt) {
  auto file = dir.path() / "not-a-dir";
  write_file_atomic(file, "x");
  auto r =
      run_cli({"kernel", "list"}, std::chrono::seconds(30), {{"FUSELAB_CACHE_DIR", file.string()}});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("cache directory '" + file.string() + "' is unusable"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("FUSELAB_CACHE_DIR"), std::string::npos) << r.err;
}

// A shard as `fuselab run` writes it, with one cell whose id is `id`.
fs::path make_shard(const fs::path& dir, const std::string& id) {
  nlohmann::json cell = {{"id", id},
                         {"verdict", "PASS"},
                         {"expected", "PASS"},
                         {"matched", true},
                         {"spec", {{"id", id}}}};
  nlohmann::json run = {
      {"schema", "fuselab.run/1"}, {"run_id", "s"}, {"plan", {{"name", "p"}}}, {"cells", {cell}}};
  fs::create_directories(dir);
  write_file_atomic(dir / "run.json", run.dump());
  return dir;
}

TEST_F(CliHostile, MergeRefusesCellIdsThatArePaths) {
  for (const std::string id : {"../..", "..", "/tmp/fuselab-merge-escape", "a/../../b"}) {
    SCOPED_TRACE(id);
    auto shard = make_shard(dir.path() / "shard", id);
    auto into = dir.path() / "deep" / "er" / "merged";
    auto r = run_cli({"merge", shard.string(), "--into", into.string()}, std::chrono::seconds(30));
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("is not a valid cell id"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir.path() / "deep" / "run.json"));
    EXPECT_FALSE(fs::exists(dir.path() / "run.json"));
    EXPECT_FALSE(fs::exists("/tmp/fuselab-merge-escape"));
  }
}

TEST_F(CliHostile, MergeCopiesNoSymlinkTargets) {
  auto shard = make_shard(dir.path() / "shard", "a");
  fs::create_directories(shard / "a");
  write_file_atomic(shard / "a" / "console.log", "real\n");
  fs::create_symlink("/etc/passwd", shard / "a" / "leak");
  fs::create_symlink("/etc/passwd", shard / "plan.yaml");
  auto into = dir.path() / "merged";
  auto r = run_cli({"merge", shard.string(), "--into", into.string()}, std::chrono::seconds(30));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(into / "a" / "console.log"));
  EXPECT_FALSE(fs::exists(fs::symlink_status(into / "a" / "leak")));
  EXPECT_FALSE(fs::exists(fs::symlink_status(into / "plan.yaml")));
}

TEST_F(CliHostile, MergeOfAWrongTypedRunJsonIsAClearError) {
  fs::create_directories(dir.path() / "shard");
  write_file_atomic(dir.path() / "shard" / "run.json",
                    R"({"schema": "fuselab.run/1", "cells": 5})");
  auto r =
      run_cli({"merge", (dir.path() / "shard").string(), "--into", (dir.path() / "m").string()},
              std::chrono::seconds(30));
  EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
  write_file_atomic(dir.path() / "shard" / "run.json",
                    "{\"schema\": \"fuselab.run/1\", \"cells\": [");
  r = run_cli({"merge", (dir.path() / "shard").string(), "--into", (dir.path() / "m").string()},
              std::chrono::seconds(30));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace fuselab
