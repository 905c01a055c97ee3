// `fuselab kernel ...` with bad input, through the real binary: each fails fast with exit 2 and
// names what to fix (the log, the hunk, the file). No real kernel is built here: the trees are
// just shaped enough for the step that must fail. The cache is a temporary one.
#include <gtest/gtest.h>

#include "support/cli_runner.h"

namespace fs = std::filesystem;

namespace fuselab {
namespace {

class KernelCli : public ::testing::Test {
 protected:
  TempDir dir{fs::temp_directory_path(), "fuselab-kernel-cli-"};

  testing::CliRun run(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {FUSELAB_CLI_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    CommandOptions options;
    options.timeout = std::chrono::minutes(2);
    options.env_set["FUSELAB_CACHE_DIR"] = (dir.path() / "cache").string();
    auto r = run_command(argv, options);
    return {r.exit_code, r.out, r.err};
  }

  void git(const fs::path& tree, std::vector<std::string> args) {
    std::vector<std::string> argv = {"git",         "-C", tree.string(),   "-c",
                                     "user.name=t", "-c", "user.email=t@t"};
    argv.insert(argv.end(), args.begin(), args.end());
    ASSERT_TRUE(run_command(argv).ok()) << args[0];
  }
};

TEST_F(KernelCli, TreeThatFailsToBuildNamesStepAndLog) {
  auto tree = dir.path() / "broken";
  fs::create_directories(tree);
  write_file_atomic(tree / "Makefile", "%:\n\t@echo 'broken-tree: no kernel here'; exit 1\n");
  auto r = run({"kernel", "build", "build:" + tree.string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("kernel build failed at step 'config'"), std::string::npos) << r.err;
  auto log = r.err.find("log: " + (dir.path() / "cache/kernels/work").string());
  ASSERT_NE(log, std::string::npos) << r.err;
  EXPECT_NE(r.err.find("broken-tree: no kernel here"), std::string::npos) << r.err;  // the tail
  auto log_path = r.err.substr(log + 5, r.err.find('\n', log) - log - 5);
  EXPECT_TRUE(fs::is_regular_file(log_path)) << log_path;
  // Nothing was cached as a kernel.
  auto list = run({"kernel", "list", "--json"});
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_EQ(list.out, "[]\n");
}

TEST_F(KernelCli, PatchThatDoesNotApplyNamesPatchAndHunk) {
  auto tree = dir.path() / "linux";
  fs::create_directories(tree / "fs/fuse");
  write_file_atomic(tree / "Makefile", "%:\n\t@exit 1\n");
  write_file_atomic(tree / "fs/fuse/file.c", "/* not the fuse file.c the patch was made for */\n");
  git(tree, {"init", "-q"});
  git(tree, {"add", "."});
  git(tree, {"commit", "-q", "-m", "x"});
  auto r = run({"kernel", "build", "build:" + tree.string() + ",patches=fuse-no-reclaim-guard"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("images/kernel/patches/fuse-no-reclaim-guard.patch does not apply"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("Hunk #1 FAILED at 3116"), std::string::npos) << r.err;
  // The tree it was tried on is left as it was.
  EXPECT_EQ(read_file(tree / "fs/fuse/file.c"),
            "/* not the fuse file.c the patch was made for */\n");
}

TEST_F(KernelCli, PathThatIsNotAKernel) {
  write_file_atomic(dir.path() / "vmlinux",
                    "\x7f"
                    "ELF not a bzImage\n");
  auto r = run({"kernel", "fetch", "path:" + (dir.path() / "vmlinux").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("is not a kernel image"), std::string::npos) << r.err;
  auto plan = testing::write_plan(
      dir.path(), "k.yaml",
      "cells:\n  - id: a\n    kernel: path:" + (dir.path() / "vmlinux").string() + "\n");
  auto p = run({"prepare", plan.string()});
  EXPECT_EQ(p.exit_code, 2);
  EXPECT_NE(p.err.find("is not a kernel image"), std::string::npos) << p.err;
}

TEST_F(KernelCli, UnknownFragmentAndWrongSubcommand) {
  auto r = run({"kernel", "build", "build:debian:sid,config=no-such-fragment"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no-such-fragment"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("memcg-v1"), std::string::npos) << r.err;  // the known ones
  auto fetch = run({"kernel", "fetch", "build:debian:sid"});
  EXPECT_EQ(fetch.exit_code, 2);
  EXPECT_NE(fetch.err.find("kernel build"), std::string::npos) << fetch.err;
}

}  // namespace
}  // namespace fuselab
