// Pure logic of kernels built from source: the build: value syntax, the check that a config
// kept every option the fragments asked for, and the cache keys that decide what is rebuilt.
#include <gtest/gtest.h>

#include "common/error.h"
#include "common/paths.h"
#include "image/kernel_build.h"
#include "image/kernel_cache.h"
#include "image/kernel_config.h"
#include "image/kernel_source.h"
#include "image/kernel_steps.h"
#include "run/artifact_resolver.h"

namespace fs = std::filesystem;

namespace fuselab {
namespace {

TEST(KernelRefBuild, DebianSourceWithConfigAndPatches) {
  auto ref =
      parse_kernel_ref("build:debian:sid,config=memcg-v1+extra,patches=fuse-no-reclaim-guard");
  EXPECT_EQ(ref.kind, KernelRef::Kind::Build);
  EXPECT_EQ(ref.build.debian_suite, "sid");
  EXPECT_TRUE(ref.build.source_dir.empty());
  EXPECT_EQ(ref.build.fragments, (std::vector<std::string>{"memcg-v1", "extra"}));
  EXPECT_EQ(ref.build.patches, (std::vector<std::string>{"fuse-no-reclaim-guard"}));
  EXPECT_EQ(ref.build.value,
            "build:debian:sid,config=memcg-v1+extra,patches=fuse-no-reclaim-guard");
}

TEST(KernelRefBuild, OptionsInAnyOrderAndOptional) {
  auto ref = parse_kernel_ref("build:debian:trixie,patches=a+/abs/b.patch,config=x");
  EXPECT_EQ(ref.build.debian_suite, "trixie");
  EXPECT_EQ(ref.build.patches, (std::vector<std::string>{"a", "/abs/b.patch"}));
  EXPECT_EQ(ref.build.fragments, (std::vector<std::string>{"x"}));
  auto bare = parse_kernel_ref("build:debian:sid");
  EXPECT_TRUE(bare.build.fragments.empty());
  EXPECT_TRUE(bare.build.patches.empty());
}

TEST(KernelRefBuild, Directory) {
  TempDir dir(fs::temp_directory_path(), "fuselab-src-");
  auto ref = parse_kernel_ref("build:" + dir.path().string() + ",config=memcg-v1");
  EXPECT_EQ(ref.build.source_dir, dir.path());
  EXPECT_TRUE(ref.build.debian_suite.empty());
  EXPECT_THROW(parse_kernel_ref("build:/nonexistent/linux"), UserError);
}

TEST(KernelRefBuild, BadValues) {
  for (const char* bad : {"build:", "build:debian:", "build:debian:Sid", "build:debian:sid,config=",
                          "build:debian:sid,config=a++b", "build:debian:sid,config=../x",
                          "build:debian:sid,patches=a b", "build:debian:sid,jobs=4",
                          "build:debian:sid,config=a,config=b", "build:debian:sid,"}) {
    EXPECT_THROW(parse_kernel_ref(bad), UserError) << bad;
  }
}

TEST(KernelRefPath, NotAKernelIsRejected) {
  TempDir dir(fs::temp_directory_path(), "fuselab-k-");
  write_file_atomic(dir.path() / "vmlinux", std::string(4096, '\0'));
  EXPECT_THROW(parse_kernel_ref("path:" + (dir.path() / "vmlinux").string()), UserError);
  std::string image(4096, '\0');
  image.replace(0x202, 4, "HdrS");
  write_file_atomic(dir.path() / "bzImage", image);
  EXPECT_TRUE(looks_like_bzimage(dir.path() / "bzImage"));
  EXPECT_EQ(parse_kernel_ref("path:" + (dir.path() / "bzImage").string()).kind,
            KernelRef::Kind::Path);
}

TEST(KconfigParse, ValuesAndNotSet) {
  auto v = parse_kconfig(
      "# comment\nCONFIG_A=y\nCONFIG_B=\"x y\"\n# CONFIG_C is not set\nCONFIG_D=64\r\n");
  EXPECT_EQ(v.at("CONFIG_A"), "y");
  EXPECT_EQ(v.at("CONFIG_B"), "\"x y\"");
  EXPECT_EQ(v.at("CONFIG_C"), "n");
  EXPECT_EQ(v.at("CONFIG_D"), "64");
  EXPECT_FALSE(v.contains("comment"));
}

TEST(KconfigVerify, NamesDroppedOptionAndItsFragment) {
  NamedTexts fragments = {{"base.config", "CONFIG_FUSE_FS=y\nCONFIG_MEMCG=y\n"},
                          {"memcg-v1.config", "CONFIG_MEMCG_V1=y\n# CONFIG_SWAP is not set\n"}};
  auto final_config =
      parse_kconfig("CONFIG_FUSE_FS=y\nCONFIG_MEMCG=y\n# CONFIG_MEMCG_V1 is not set\n");
  auto dropped = dropped_options(fragments, final_config);
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0].option, "CONFIG_MEMCG_V1");
  EXPECT_EQ(dropped[0].source, "memcg-v1.config");
  EXPECT_EQ(dropped[0].got, "n");
  EXPECT_NE(describe_dropped(dropped).find("CONFIG_MEMCG_V1=y (from memcg-v1.config)"),
            std::string::npos);
}

TEST(KconfigVerify, LaterFragmentWinsAndAbsentMeansN) {
  NamedTexts fragments = {{"base.config", "CONFIG_LRU_GEN=y\nCONFIG_NR_CPUS=64\n"},
                          {"no-mglru.config", "# CONFIG_LRU_GEN is not set\n"}};
  EXPECT_TRUE(dropped_options(fragments, parse_kconfig("CONFIG_NR_CPUS=64\n")).empty());
  auto dropped = dropped_options(fragments, parse_kconfig("CONFIG_LRU_GEN=y\nCONFIG_NR_CPUS=8\n"));
  ASSERT_EQ(dropped.size(), 2u);
  EXPECT_EQ(dropped[0].option, "CONFIG_LRU_GEN");
  EXPECT_EQ(dropped[0].wanted, "n");
  EXPECT_EQ(dropped[1].got, "8");
}

TEST(KernelBuildKey, PinnedAndSensitiveToEveryInput) {
  NamedTexts configs = {{"base.config", "CONFIG_A=y\n"},
                        {"memcg-v1.config", "CONFIG_MEMCG_V1=y\n"}};
  NamedTexts patches = {{"p.patch", "--- a/x\n"}};
  auto key = kernel_build_key("debian linux-source-7.2 7.2.13-1", configs, patches);
  EXPECT_EQ(key.size(), 64u);
  EXPECT_EQ(key, kernel_build_key("debian linux-source-7.2 7.2.13-1", configs, patches));
  // A renamed file with the same content is the same kernel.
  NamedTexts renamed = {{"base.config", "CONFIG_A=y\n"}, {"v1.config", "CONFIG_MEMCG_V1=y\n"}};
  EXPECT_EQ(key, kernel_build_key("debian linux-source-7.2 7.2.13-1", renamed, patches));
  EXPECT_NE(key, kernel_build_key("debian linux-source-7.2 7.2.14-1", configs, patches));
  EXPECT_NE(key, kernel_build_key("debian linux-source-7.2 7.2.13-1", configs, {}));
  NamedTexts reordered = {configs[1], configs[0]};
  EXPECT_NE(key, kernel_build_key("debian linux-source-7.2 7.2.13-1", reordered, patches));
  NamedTexts edited = {{"base.config", "CONFIG_A=y\n"}, {"memcg-v1.config", "CONFIG_MEMCG_V1=n\n"}};
  EXPECT_NE(key, kernel_build_key("debian linux-source-7.2 7.2.13-1", edited, patches));
}

TEST(KernelBuildKey, WorkTreeSharedAcrossPatchSetsNotConfigs) {
  NamedTexts configs = {{"base.config", "CONFIG_A=y\n"}};
  auto work = kernel_work_key("debian linux-source-7.2 7.2.13-1", configs);
  EXPECT_EQ(work, kernel_work_key("debian linux-source-7.2 7.2.13-1", configs));
  EXPECT_NE(work,
            kernel_work_key("debian linux-source-7.2 7.2.13-1", {{"base.config", "CONFIG_B=y\n"}}));
  EXPECT_NE(work, kernel_work_key("dir /src/linux", configs));
}

TEST(KernelSource, LinuxSourcePackageFromDepends) {
  EXPECT_EQ(linux_source_package("linux-source-7.2 (= 7.2.13-1)"), "linux-source-7.2");
  EXPECT_EQ(linux_source_package("foo, linux-source-6.12 | bar"), "linux-source-6.12");
  EXPECT_FALSE(linux_source_package("linux-image-amd64").has_value());
}

TEST(KernelSteps, LastBuildTarget) {
  EXPECT_EQ(
      last_build_target("make: Entering\n  CC      fs/fuse/file.o\n  LD      vmlinux.o\nwarn\n"),
      "LD vmlinux.o");
  EXPECT_EQ(last_build_target("nothing here\n"), "");
}

TEST(KernelBuildInputs, NamesResolveUnderImagesKernel) {
  KernelBuildRequest request;
  request.fragments = {"memcg-v1"};
  request.patches = {"fuse-no-reclaim-guard"};
  auto inputs = resolve_build_inputs(request, FUSELAB_SOURCE_DIR);
  ASSERT_EQ(inputs.configs.size(), 2u);
  EXPECT_EQ(inputs.configs[0].filename(), "base.config");
  EXPECT_EQ(inputs.patches[0].filename(), "fuse-no-reclaim-guard.patch");
  request.patches = {"no-such-patch"};
  try {
    resolve_build_inputs(request, FUSELAB_SOURCE_DIR);
    FAIL() << "no error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-patch"), std::string::npos);
    EXPECT_NE(e.hint().find("fuse-no-reclaim-guard"), std::string::npos);
  }
}

}  // namespace
// A checkout's edit to a .c file keeps the config (5.8 s of each rebuild here); an edited
// Kconfig, a changed fragment or a new Kconfig file does not.
TEST(KernelConfigure, InputsIdentityFollowsKconfigFilesAndFragmentsOnly) {
  TempDir dir(fs::temp_directory_path(), "fuselab-kconfig-");
  const auto src = dir.path() / "src";
  fs::create_directories(src / "fs/fuse");
  fs::create_directories(src / ".git");
  write_file_atomic(src / "Kconfig", "source \"fs/Kconfig\"\n");
  write_file_atomic(src / "fs/fuse/Kconfig", "config FUSE_FS\n\ttristate \"FUSE\"\n");
  write_file_atomic(src / "fs/fuse/file.c", "int x;\n");
  write_file_atomic(src / ".git/Kconfig", "not the kernel's\n");
  const auto fragment = dir.path() / "base.config";
  write_file_atomic(fragment, "CONFIG_FUSE_FS=y\n");
  const auto first = config_inputs_identity(src, {fragment});
  EXPECT_EQ(first.size(), 64u);

  write_file_atomic(src / "fs/fuse/file.c", "int y;\n");
  write_file_atomic(src / ".git/Kconfig", "still not the kernel's\n");
  EXPECT_EQ(config_inputs_identity(src, {fragment}), first);

  write_file_atomic(src / "fs/fuse/Kconfig", "config FUSE_FS\n\tbool \"FUSE\"\n");
  const auto edited = config_inputs_identity(src, {fragment});
  EXPECT_NE(edited, first);

  write_file_atomic(src / "fs/Kconfig.binfmt", "config BINFMT_ELF\n\tbool\n");
  const auto added = config_inputs_identity(src, {fragment});
  EXPECT_NE(added, edited);

  write_file_atomic(fragment, "CONFIG_FUSE_FS=y\nCONFIG_PSI=y\n");
  EXPECT_NE(config_inputs_identity(src, {fragment}), added);
}

}  // namespace fuselab
