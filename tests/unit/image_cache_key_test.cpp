// Cache keys decide when a cached artifact is reused. A key that drifts between builds rebuilds
// everything every run; a key that ignores an input reuses a stale artifact. Both are tested.
#include <gtest/gtest.h>

#include "common/error.h"
#include "common/paths.h"
#include "image/debian_kernel.h"
#include "image/initramfs.h"

namespace fuselab {
namespace {

KernelArtifacts sample_kernel() {
  return {"/cache/k/boot/vmlinuz-6.1.0-50-cloud-amd64", "/cache/k/lib/modules/6.1.0-50-cloud-amd64",
          "6.1.0-50-cloud-amd64", "debian:bookworm:cloud-amd64 6.1.176-1"};
}

const std::vector<std::pair<std::string, std::string>> kModules = {
    {"kernel/drivers/virtio/virtio.ko", std::string(64, 'a')},
    {"kernel/fs/fuse/fuse.ko", std::string(64, 'b')},
};

TEST(InitramfsCacheKey, StableAcrossRunsAndPaths) {
  auto key = initramfs_cache_key(sample_kernel(), std::string(64, 'c'), kModules);
  // Pinned: if this changes, every user's cached initramfs is rebuilt once. Change it on purpose
  // (with the layout version in initramfs.cpp), never by accident.
  EXPECT_EQ(key, "fc7a4f5e16bd05a5a4dacae78a214a4ddae9d0f59f61ccd50f6a3ffa7d9eede5");
  auto moved = sample_kernel();
  moved.kernel = "/elsewhere/vmlinuz";
  moved.modules_dir = "/elsewhere/modules";
  EXPECT_EQ(initramfs_cache_key(moved, std::string(64, 'c'), kModules), key);
}

TEST(InitramfsCacheKey, EveryInputCounts) {
  auto key = initramfs_cache_key(sample_kernel(), std::string(64, 'c'), kModules);
  EXPECT_NE(initramfs_cache_key(sample_kernel(), std::string(64, 'd'), kModules), key);
  auto other_release = sample_kernel();
  other_release.release = "6.1.0-51-cloud-amd64";
  EXPECT_NE(initramfs_cache_key(other_release, std::string(64, 'c'), kModules), key);
  auto rebuilt = kModules;
  rebuilt[1].second = std::string(64, 'e');
  EXPECT_NE(initramfs_cache_key(sample_kernel(), std::string(64, 'c'), rebuilt), key);
  auto reordered = std::vector{kModules[1], kModules[0]};
  EXPECT_NE(initramfs_cache_key(sample_kernel(), std::string(64, 'c'), reordered), key);
}

TEST(InitramfsModuleList, AbsolutePathsInOrder) {
  EXPECT_EQ(initramfs_module_list("6.1.0-50-cloud-amd64", {"kernel/a.ko", "kernel/b.ko.xz"}),
            "/lib/modules/6.1.0-50-cloud-amd64/kernel/a.ko\n"
            "/lib/modules/6.1.0-50-cloud-amd64/kernel/b.ko.xz\n");
}

TEST(DebianKernel, ImagePackageFromMetapackageDepends) {
  EXPECT_EQ(kernel_image_package("linux-image-6.1.0-50-cloud-amd64 (= 6.1.176-1)"),
            "linux-image-6.1.0-50-cloud-amd64");
  EXPECT_EQ(
      kernel_image_package("initramfs-tools, linux-image-6.12.48+deb13-amd64 (= 6.12.48-1) | foo"),
      "linux-image-6.12.48+deb13-amd64");
  EXPECT_FALSE(kernel_image_package("linux-headers-6.1.0-50-cloud-amd64"));
}

TEST(DebianKernel, CacheNameIsPathSafe) {
  EXPECT_EQ(kernel_cache_name("sid", "cloud-amd64", "1:7.2.1~rc1-1"),
            "sid-cloud-amd64-1_7.2.1_rc1-1");
}

}  // namespace
}  // namespace fuselab

namespace fuselab {
namespace {

// Depends of the real packages, as `apt-cache show` gave them (bookworm 2026-11, sid 2026-12).
TEST(KernelPartPackages, SidSplitsTheImage) {
  const std::string depends =
      "dracut | initramfs-tools (>= 0.120+deb8u2) | linux-initramfs-tool, "
      "linux-base-7.2.13+deb14-cloud-amd64 "
      "(= 7.2.13-1), linux-binary-7.2.13+deb14-cloud-amd64 (= 7.2.13-1), "
      "linux-modules-7.2.13+deb14-cloud-amd64 "
      "(= 7.2.13-1)";
  EXPECT_EQ(kernel_part_packages("linux-image-7.2.13+deb14-cloud-amd64", depends),
            (std::vector<std::string>{"linux-base-7.2.13+deb14-cloud-amd64",
                                      "linux-binary-7.2.13+deb14-cloud-amd64",
                                      "linux-modules-7.2.13+deb14-cloud-amd64"}));
}

TEST(KernelPartPackages, BookwormShipsItAllInOne) {
  EXPECT_TRUE(
      kernel_part_packages(
          "linux-image-6.1.0-50-cloud-amd64",
          "kmod, linux-base (>= 4.3~), initramfs-tools (>= 0.120+deb8u2) | linux-initramfs-tool")
          .empty());
  EXPECT_TRUE(kernel_part_packages("not-an-image", "linux-base-x").empty());
}

class KernelLayout : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<TempDir>(std::filesystem::temp_directory_path(), "fl-layout-");
  }
  void touch(const std::string& rel) {
    std::filesystem::create_directories((dir_->path() / rel).parent_path());
    write_file_atomic(dir_->path() / rel, "x");
  }
  std::unique_ptr<TempDir> dir_;
};

TEST_F(KernelLayout, BootDirectory) {
  touch("boot/vmlinuz-6.1.0-50-cloud-amd64");
  touch("boot/config-6.1.0-50-cloud-amd64");
  touch("lib/modules/6.1.0-50-cloud-amd64/modules.order");
  auto layout = find_kernel_layout(dir_->path());
  EXPECT_EQ(layout.release, "6.1.0-50-cloud-amd64");
  EXPECT_EQ(layout.kernel, "boot/vmlinuz-6.1.0-50-cloud-amd64");
  EXPECT_EQ(layout.config, "boot/config-6.1.0-50-cloud-amd64");
}

TEST_F(KernelLayout, ModulesDirectory) {
  touch("lib/modules/7.2.13+deb14-cloud-amd64/vmlinuz");
  touch("lib/modules/7.2.13+deb14-cloud-amd64/config");
  auto layout = find_kernel_layout(dir_->path());
  EXPECT_EQ(layout.release, "7.2.13+deb14-cloud-amd64");
  EXPECT_EQ(layout.kernel, "lib/modules/7.2.13+deb14-cloud-amd64/vmlinuz");
  EXPECT_EQ(layout.config, "lib/modules/7.2.13+deb14-cloud-amd64/config");
}

TEST_F(KernelLayout, NoImageIsAnInfraErrorNamingBothPlaces) {
  touch("lib/modules/7.2.13+deb14-cloud-amd64/modules.order");
  try {
    find_kernel_layout(dir_->path());
    FAIL() << "no image must throw";
  } catch (const InfraError& e) {
    EXPECT_NE(std::string(e.what()).find("lib/modules/RELEASE/vmlinuz"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace fuselab
