// Real base image build: mmdebstrap from the host's Debian archive, then mke2fs on the host (as
// root; image/ext4_image.h) or libguestfs under TCG (label host: minutes on the first run, seconds
// once cached). The image is opened again through libguestfs, read-only, to check what the guest
// will find.
#include <gtest/gtest.h>
#include <guestfs.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "common/paths.h"
#include "image/artifacts.h"
#include "image/guestfs_handle.h"

namespace fuselab {
namespace {

namespace fs = std::filesystem;

const fs::path kRecipe = fs::path(FUSELAB_TEST_DATA) / "../../images/guest/bookworm.recipe";

TEST(ImageHost, BookwormBaseImageHoldsAgentAndTools) {
  auto start = std::chrono::steady_clock::now();
  auto image = prepare_base_image(kRecipe, FUSELAB_AGENT_PATH);
  spdlog::info("prepare_base_image took {:.1f} s",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  ASSERT_TRUE(fs::is_regular_file(image));
  EXPECT_EQ(image.extension(), ".qcow2");

  TempDir scratch(cache_dir() / "tmp", "overlay-");
  auto overlay = scratch.path() / "cell.qcow2";
  create_overlay(image, overlay);

  GuestfsHandle g(std::chrono::minutes(10));
  auto* h = g.get();
  g.check(guestfs_add_drive_opts(h, overlay.c_str(), GUESTFS_ADD_DRIVE_OPTS_FORMAT, "qcow2",
                                 GUESTFS_ADD_DRIVE_OPTS_READONLY, 1, -1),
          "add_drive");
  g.launch();
  char* fstype = guestfs_vfs_type(h, "/dev/sda");  // whole disk, no partition table
  ASSERT_NE(fstype, nullptr);
  EXPECT_STREQ(fstype, "ext4");
  free(fstype);
  g.check(guestfs_mount_ro(h, "/dev/sda", "/"), "mount_ro");

  auto* st = guestfs_statns(h, "/usr/local/sbin/fuselab-agent");
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(st->st_mode & 07777, 0755);
  EXPECT_EQ(st->st_size, static_cast<int64_t>(fs::file_size(FUSELAB_AGENT_PATH)));
  guestfs_free_statns(st);
  for (const char* tool : {"/usr/bin/fio", "/usr/sbin/insmod", "/usr/bin/mount", "/usr/bin/ps",
                           "/usr/bin/fusermount3", "/usr/bin/perf"}) {
    EXPECT_EQ(guestfs_is_file_opts(h, tool, GUESTFS_IS_FILE_OPTS_FOLLOWSYMLINKS, 1, -1), 1) << tool;
  }
}

}  // namespace
}  // namespace fuselab
