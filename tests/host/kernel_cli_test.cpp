// `fuselab kernel ...` with bad input, through the real binary: each fails fast with exit 2 and
// names what to fix (the log, the hunk, the file). No real kernel is built here: the trees are
// just shaped enough for the step that must fail. The cache is a temporary one.
#include <gtest/gtest.h>

#include <sstream>

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

// A tree shaped like a kernel for fuselab's steps: allnoconfig/olddefconfig/merge_config.sh that
// keep every requested option, and a bzImage target that writes an image with the boot header,
// the release, and fs/fuse/file.c as built (so the test sees which patch set went in). With a
// file named `slow` in the tree, bzImage takes a minute.
void write_fake_kernel_tree(const fs::path& tree, const fs::path& patch) {
  fs::create_directories(tree / "scripts/kconfig");
  fs::create_directories(tree / "fs/fuse");
  write_file_atomic(tree / "Makefile",
                    "allnoconfig:\n\t@mkdir -p $(O) && : > $(O)/.config\n"
                    "olddefconfig:\n\t@true\n"
                    "bzImage:\n\t@echo '  CC      fs/fuse/file.o'\n"
                    "\t@if [ -f slow ]; then sleep 60; fi\n"
                    "\t@mkdir -p $(O)/arch/x86/boot $(O)/include/config\n"
                    "\t@head -c 514 /dev/zero > $(O)/arch/x86/boot/bzImage\n"
                    "\t@printf HdrS >> $(O)/arch/x86/boot/bzImage\n"
                    "\t@cat fs/fuse/file.c >> $(O)/arch/x86/boot/bzImage\n"
                    "\t@echo 7.2.0-fake > $(O)/include/config/kernel.release\n");
  write_file_atomic(
      tree / "scripts/kconfig/merge_config.sh",
      "# -m -O DIR CONFIG FRAGMENT...\nout=$3; shift 3; cat \"$@\" > \"$out/.config.new\""
      " && mv \"$out/.config.new\" \"$out/.config\"\n");
  // fs/fuse/file.c: the patch's pre-image (context and removed lines of its hunk).
  std::string pre, line;
  std::istringstream in(read_file(patch));
  bool in_hunk = false;
  while (std::getline(in, line)) {
    if (line.starts_with("@@"))
      in_hunk = true;
    else if (in_hunk && (line.starts_with(" ") || line.starts_with("-")))
      pre += line.substr(1) + "\n";
  }
  write_file_atomic(tree / "fs/fuse/file.c", pre);
}

TEST_F(KernelCli, BuildsCachesAndSwitchesPatchSets) {
  auto patch = fs::path(FUSELAB_SOURCE_DIR) / "images/kernel/patches/fuse-no-reclaim-guard.patch";
  auto tree = dir.path() / "linux";
  write_fake_kernel_tree(tree, patch);
  git(tree, {"init", "-q"});
  git(tree, {"add", "."});
  git(tree, {"commit", "-q", "-m", "fake"});
  const std::string guard = "mapping_set_writeback_may_deadlock_on_reclaim";

  auto unguarded =
      run({"kernel", "build", "build:" + tree.string() + ",patches=fuse-no-reclaim-guard"});
  ASSERT_EQ(unguarded.exit_code, 0) << unguarded.err;
  fs::path udir = unguarded.out.substr(0, unguarded.out.find('\n'));
  EXPECT_EQ(read_file(udir / "bzImage").find(guard), std::string::npos);
  auto meta = testing::read_json(udir / "meta.json");
  EXPECT_EQ(meta["release"], "7.2.0-fake");
  EXPECT_EQ(meta["kind"], "build");
  EXPECT_NE(read_file(udir / "config").find("CONFIG_FUSE_FS=y"), std::string::npos);
  EXPECT_TRUE(fs::is_regular_file(udir / "build.log"));
  // The user's tree is never patched.
  EXPECT_NE(read_file(tree / "fs/fuse/file.c").find(guard), std::string::npos);

  auto guarded = run({"kernel", "build", "build:" + tree.string()});
  ASSERT_EQ(guarded.exit_code, 0) << guarded.err;
  fs::path gdir = guarded.out.substr(0, guarded.out.find('\n'));
  EXPECT_NE(gdir, udir);
  EXPECT_NE(read_file(gdir / "bzImage").find(guard), std::string::npos);  // reverted before make

  auto again = run({"kernel", "build", "build:" + tree.string()});
  EXPECT_EQ(again.out, guarded.out);
  EXPECT_NE(again.err.find("is cached"), std::string::npos) << again.err;

  auto list = run({"kernel", "list", "--json"});
  auto kernels = nlohmann::json::parse(list.out);
  ASSERT_EQ(kernels.size(), 2u) << list.out;
  EXPECT_EQ(kernels[0]["release"], "7.2.0-fake");
}

TEST_F(KernelCli, InterruptStopsMakeAndCachesNothing) {
  auto tree = dir.path() / "linux";
  write_fake_kernel_tree(
      tree, fs::path(FUSELAB_SOURCE_DIR) / "images/kernel/patches/fuse-no-reclaim-guard.patch");
  write_file_atomic(tree / "slow", "");
  auto start = std::chrono::steady_clock::now();
  // timeout(1) sends SIGINT after 3 s, as a terminal's Ctrl-C would.
  std::vector<std::string> argv = {
      "timeout", "--preserve-status",     "-s", "INT", "3", FUSELAB_CLI_PATH, "kernel",
      "build",   "build:" + tree.string()};
  CommandOptions options;
  options.timeout = std::chrono::seconds(50);
  options.env_set["FUSELAB_CACHE_DIR"] = (dir.path() / "cache").string();
  auto result = run_command(argv, options);
  EXPECT_EQ(result.exit_code, 130) << result.err;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  EXPECT_NE(result.err.find("nothing was cached"), std::string::npos) << result.err;
  EXPECT_EQ(run({"kernel", "list", "--json"}).out, "[]\n");
}

}  // namespace
}  // namespace fuselab
