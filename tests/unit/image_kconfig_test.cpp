// The one .config reader (image/kernel_config) on real configurations: Debian's, and the final
// .config of a kernel fuselab built, checked against the fragments that built it.
#include <gtest/gtest.h>

#include "common/paths.h"
#include "image/kernel_config.h"
#include "run/kernel_capabilities.h"

namespace fuselab {
namespace {

namespace fs = std::filesystem;

std::string data(const std::string& name) {
  return read_file(fs::path(FUSELAB_TEST_DATA) / "kernel-config" / name);
}

TEST(Kconfig, DebianBookwormConfig) {
  auto config = read_kconfig(data("debian-6.1.0-50-cloud-amd64.config"));
  ASSERT_TRUE(config.version);
  EXPECT_EQ(config.version->major, 6);
  EXPECT_EQ(config.version->minor, 1);
  EXPECT_EQ(config.values.at("CONFIG_MEMCG"), "y");
  EXPECT_EQ(config.values.at("CONFIG_FUSE_FS"), "m");
  EXPECT_EQ(config.values.at("CONFIG_LOCALVERSION"), "\"\"");
  EXPECT_FALSE(config.values.contains("CONFIG_MEMCG_V1"));  // 6.1 has no such option
  // Each of its 4034 CONFIG_ and "is not set" lines (grep -c) names another option.
  EXPECT_EQ(config.values.size(), 4034u);
}

TEST(Kconfig, DebianTrixieSaysMemcgV1IsNotSet) {
  auto config = read_kconfig(data("debian-6.12.117+deb13-cloud-amd64.config"));
  ASSERT_TRUE(config.version);
  EXPECT_TRUE(config.version->at_least(6, 11));
  EXPECT_FALSE(config.version->at_least(6, 13));
  EXPECT_EQ(config.values.at("CONFIG_MEMCG_V1"), "n");
}

TEST(Kconfig, BuiltConfigKeptEveryRequestedOption) {
  const std::string text = data("fuselab-build-7.2.13-memcg-v1.excerpt.config");
  auto config = read_kconfig(text);
  ASSERT_TRUE(config.version);
  EXPECT_EQ(config.version->major, 7);
  EXPECT_EQ(config.version->minor, 2);
  EXPECT_EQ(config.values.size(), 66u);
  auto fragments_dir = fs::path(FUSELAB_SOURCE_DIR) / "images/kernel/config";
  NamedTexts fragments = {{"base.config", read_file(fragments_dir / "base.config")},
                          {"memcg-v1.config", read_file(fragments_dir / "memcg-v1.config")}};
  EXPECT_TRUE(dropped_options(fragments, config.values).empty())
      << describe_dropped(dropped_options(fragments, config.values));
  // The same text through the capability check: the same reader, the same answers.
  auto caps = capabilities_from_config(text, "excerpt");
  EXPECT_EQ(caps.version, "7.2");
  EXPECT_TRUE(caps.has.at("memcg_v1"));
  EXPECT_EQ(caps.why.at("memcg_v1"), "CONFIG_MEMCG_V1=y");
  EXPECT_TRUE(caps.has.at("psi"));
}

TEST(Kconfig, DroppedOptionFromTheRealConfig) {
  auto values = parse_kconfig(data("fuselab-build-7.2.13-memcg-v1.excerpt.config"));
  values.erase("CONFIG_MEMCG_V1");  // as if olddefconfig had dropped it
  NamedTexts fragments = {{"memcg-v1.config", "CONFIG_MEMCG_V1=y\n"}};
  auto dropped = dropped_options(fragments, values);
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0].got, "n");
}

TEST(Kconfig, HeaderOnlyInAFullConfig) {
  EXPECT_FALSE(read_kconfig("CONFIG_A=y\n").version);
  EXPECT_FALSE(read_kconfig("# Linux/x86 99999999999.1 Kernel Configuration\n").version);
  auto crlf = read_kconfig("# Linux/arm64 6.12.0-rc1 Kernel Configuration\r\nCONFIG_A=y\r\n");
  ASSERT_TRUE(crlf.version);
  EXPECT_EQ(crlf.version->minor, 12);
  EXPECT_EQ(crlf.values.at("CONFIG_A"), "y");
}

}  // namespace
}  // namespace fuselab
