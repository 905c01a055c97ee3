#include <gtest/gtest.h>

#include "common/error.h"
#include "common/paths.h"
#include "run/kernel_capabilities.h"

namespace fuselab {
namespace {

KernelCapabilities debian(const std::string& name) {
  auto path = std::filesystem::path(FUSELAB_TEST_DATA) / "kernel-config" / name;
  return capabilities_from_config(read_file(path), path.string());
}

TEST(KernelCapabilities, DebianBookwormHasCgroupV1) {
  auto caps = debian("debian-6.1.0-50-cloud-amd64.config");
  EXPECT_EQ(caps.version, "6.1");
  EXPECT_TRUE(caps.has.at("memcg_v1"));
  EXPECT_TRUE(caps.has.at("lru_gen"));
  EXPECT_TRUE(caps.has.at("psi"));
  EXPECT_TRUE(caps.has.at("io_flusher"));
  EXPECT_FALSE(caps.has.at("bdi_strict_limit"));
  EXPECT_FALSE(caps.has.at("fuse_tracepoints"));
}

TEST(KernelCapabilities, DebianTrixieLacksCgroupV1) {
  auto caps = debian("debian-6.12.117+deb13-cloud-amd64.config");
  EXPECT_EQ(caps.version, "6.12");
  EXPECT_FALSE(caps.has.at("memcg_v1"));
  EXPECT_EQ(caps.why.at("memcg_v1"), "CONFIG_MEMCG_V1 is not set");
  EXPECT_TRUE(caps.has.at("bdi_strict_limit"));
  EXPECT_TRUE(caps.has.at("fuse_tracepoints"));
}

TEST(KernelCapabilities, BuiltConfigWithMemcgV1) {
  auto caps = capabilities_from_config(
      "#\n# Automatically generated file; DO NOT EDIT.\n# Linux/x86_64 7.2.13 Kernel "
      "Configuration\n"
      "CONFIG_MEMCG=y\nCONFIG_MEMCG_V1=y\n# CONFIG_LRU_GEN is not set\n",
      "built");
  EXPECT_EQ(caps.version, "7.2");
  EXPECT_TRUE(caps.has.at("memcg_v1"));
  EXPECT_FALSE(caps.has.at("lru_gen"));
}

TEST(KernelCapabilities, NotAConfig) {
  EXPECT_THROW(capabilities_from_config("\x7f"
                                        "ELF binary",
                                        "vmlinuz"),
               InfraError);
}

TEST(KernelCapabilities, CellsNeedingWhatTheKernelLacksAreSkipped) {
  auto trixie = debian("debian-6.12.117+deb13-cloud-amd64.config");
  CellSpec v1;
  v1.cgroup.version = "v1";
  v1.cgroup.placement = "both-nested";
  auto unmet = unmet_requirements(v1, trixie);
  ASSERT_EQ(unmet.size(), 1u);
  EXPECT_EQ(skip_reason(unmet),
            "kernel 6.12 has no cgroup v1 memory controller (CONFIG_MEMCG_V1 is not set); needed "
            "by cgroup: v1");

  CellSpec v2;
  v2.cgroup.version = "v2";
  v2.server.strict_limit = false;
  auto bookworm = debian("debian-6.1.0-50-cloud-amd64.config");
  unmet = unmet_requirements(v2, bookworm);
  ASSERT_EQ(unmet.size(), 1u);  // the knob is missing on 6.1, but that is only a note
  EXPECT_FALSE(unmet[0].requirement.hard);
  EXPECT_EQ(skip_reason(unmet), "");
  EXPECT_TRUE(unmet_requirements(v1, bookworm).empty());
}

}  // namespace
}  // namespace fuselab
