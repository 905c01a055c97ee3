// `fuselab plan` says up front which cells the plan's kernels cannot run, from the kernels in
// the cache (here a cache holding Debian trixie's real configuration) and without booting.
#include <gtest/gtest.h>

#include "support/cli_runner.h"

namespace fuselab {
namespace {

namespace fs = std::filesystem;

TEST(CliPlanPreview, NamesTheCellsThatWillSkipAndWhy) {
  TempDir dir(fs::temp_directory_path(), "fuselab-preview-");
  auto kernel = dir.path() / "cache/kernels/trixie-cloud-amd64-6.12.117-1";
  fs::create_directories(kernel / "boot");
  const std::string release = "6.12.117+deb13-cloud-amd64";
  fs::copy_file(
      fs::path(FUSELAB_TEST_DATA) / "kernel-config/debian-6.12.117+deb13-cloud-amd64.config",
      kernel / "boot" / ("config-" + release));
  write_file_atomic(kernel / "boot" / ("vmlinuz-" + release), "not booted by this test\n");
  write_file_atomic(
      kernel / "meta.json",
      R"({"suite": "trixie", "flavour": "cloud-amd64", "version": "6.12.117-1", "release": ")" +
          release + R"(", "kernel": "boot/vmlinuz-)" + release + R"("})");
  auto plan = testing::write_plan(dir.path(), "p.yaml",
                                  "defaults: {kernel: 'debian:trixie'}\n"
                                  "axes:\n  cgroup: [v1, v2]\n  placement: [both-nested]\n"
                                  "cells:\n  - id: elsewhere\n    kernel: debian:sid\n");
  CommandOptions options;
  options.env_set = {{"FUSELAB_CACHE_DIR", (dir.path() / "cache").string()}};
  auto r = run_command({FUSELAB_CLI_PATH, "plan", plan.string()}, options);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("debian:trixie: " + release + ": has"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("lacks memcg_v1"), std::string::npos) << r.out;
  EXPECT_NE(
      r.out.find(
          "will SKIP before booting: 1 cell(s)\n  cgroup=v1: kernel 6.12 has no cgroup v1 memory "
          "controller (CONFIG_MEMCG_V1 is not set); needed by cgroup: v1"),
      std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("debian:sid: not prepared yet"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace fuselab
