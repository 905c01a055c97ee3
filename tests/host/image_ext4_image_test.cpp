// The direct image build (image/ext4_image.h) on the real bookworm rootfs tarball: the image it
// writes is opened through libguestfs, read-only, to check what the guest will find: the label,
// owners and modes the tarball gave (root's /etc/shadow, group shadow), device nodes, the files
// put in, the directories made. Needs root, as the direct build does.
#include <gtest/gtest.h>
#include <guestfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>

#include "common/paths.h"
#include "image/ext4_image.h"
#include "image/guestfs_handle.h"
#include "image/image_recipe.h"
#include "image/rootfs_tarball.h"

namespace fuselab {
namespace {

namespace fs = std::filesystem;

const fs::path kRecipe = fs::path(FUSELAB_TEST_DATA) / "../../images/guest/bookworm.recipe";

TEST(ImageExt4, DirectBuildKeepsOwnersModesAndDeviceNodesOfTheTarball) {
  if (!can_build_ext4_directly()) GTEST_SKIP() << "needs root and mke2fs";
  auto rootfs = prepare_rootfs_tarball(load_image_recipe(kRecipe));
  TempDir scratch(cache_dir() / "tmp", "ext4-");
  const auto payload = scratch.path() / "payload";
  std::ofstream(payload) << "#!/bin/sh\necho payload\n";
  const auto image = scratch.path() / "image.qcow2";
  auto start = std::chrono::steady_clock::now();
  build_ext4_image(image, rootfs.path, 2ULL << 30, "fuselab-root", {"/usr/local/sbin", "/srv/x"},
                   {{payload, "/usr/local/lib/fuselab/payload", 0750}});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "build_ext4_image took " << seconds << " s\n";
  // Not a timing test: a bound far above the seconds it takes, far below libguestfs's minutes.
  EXPECT_LT(seconds, 60.0);
  // Nothing of the work tree is left beside the image.
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(scratch.path())) ++entries;
  EXPECT_EQ(entries, 2u);

  GuestfsHandle g(std::chrono::minutes(10));
  auto* h = g.get();
  g.check(guestfs_add_drive_opts(h, image.c_str(), GUESTFS_ADD_DRIVE_OPTS_FORMAT, "qcow2",
                                 GUESTFS_ADD_DRIVE_OPTS_READONLY, 1, -1),
          "add_drive");
  g.launch();
  char* label = guestfs_vfs_label(h, "/dev/sda");
  ASSERT_NE(label, nullptr);
  EXPECT_STREQ(label, "fuselab-root");
  free(label);
  g.check(guestfs_mount_ro(h, "/dev/sda", "/"), "mount_ro");

  auto stat_of = [&](const char* path) {
    auto* st = guestfs_lstatns(h, path);
    EXPECT_NE(st, nullptr) << path;
    struct guestfs_statns copy {};
    if (st != nullptr) {
      copy = *st;
      guestfs_free_statns(st);
    }
    return copy;
  };
  auto root = stat_of("/");
  EXPECT_EQ(root.st_uid, 0);
  auto shadow = stat_of("/etc/shadow");
  EXPECT_EQ(shadow.st_uid, 0);
  EXPECT_EQ(shadow.st_gid, 42);  // Debian's group shadow
  EXPECT_EQ(shadow.st_mode & 07777, 0640);
  auto null = stat_of("/dev/null");
  EXPECT_TRUE(S_ISCHR(null.st_mode));
  EXPECT_EQ(null.st_rdev, static_cast<int64_t>(makedev(1, 3)));
  auto payload_st = stat_of("/usr/local/lib/fuselab/payload");
  EXPECT_EQ(payload_st.st_mode & 07777, 0750);
  EXPECT_EQ(payload_st.st_uid, 0);
  EXPECT_EQ(payload_st.st_size, static_cast<int64_t>(fs::file_size(payload)));
  EXPECT_EQ(guestfs_is_dir(h, "/usr/local/sbin"), 1);
  EXPECT_EQ(guestfs_is_dir(h, "/srv/x"), 1);
  EXPECT_EQ(guestfs_is_file_opts(h, "/usr/bin/fio", GUESTFS_IS_FILE_OPTS_FOLLOWSYMLINKS, 1, -1), 1);
}

TEST(ImageExt4, AMissingTarballIsAnErrorThatLeavesNothing) {
  if (!can_build_ext4_directly()) GTEST_SKIP() << "needs root and mke2fs";
  TempDir scratch(cache_dir() / "tmp", "ext4-");
  const auto image = scratch.path() / "image.qcow2";
  EXPECT_ANY_THROW(
      build_ext4_image(image, scratch.path() / "missing.tar", 1ULL << 30, "x", {}, {}));
  EXPECT_TRUE(fs::is_empty(scratch.path()));
}

}  // namespace
}  // namespace fuselab
