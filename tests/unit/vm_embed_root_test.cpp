#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/paths.h"
#include "vm/embed_root.h"

namespace fuselab {
namespace {

namespace fs = std::filesystem;

// A guest's channel socket is ROOT/lib/qemu/channel/target/domain-ID-NAME20/org.fuselab.agent.0.
size_t longest_socket_path(const fs::path& root) {
  return root.string().size() + std::string("/lib/qemu/channel/target/domain-9999-").size() + 20 +
         std::string("/org.fuselab.agent.0").size();
}

TEST(EmbedRoot, ShortCacheKeepsItsSlotsInTheCache) {
  EXPECT_EQ(embedded_driver_parent("/root/.cache/fuselab"),
            fs::path("/root/.cache/fuselab/libvirt"));
  EXPECT_LE(longest_socket_path("/root/.cache/fuselab/libvirt/7"), 107u);
}

// A long cache path (a user's home, FUSELAB_CACHE_DIR under a temp dir) made every cell INFRA:
// "UNIX socket path ... too long".
TEST(EmbedRoot, LongCacheGetsAShortPrivateDirectory) {
  TempDir dir(fs::temp_directory_path(), "fuselab-embed-root-test-");
  const fs::path cache = dir.path() / "a-cache-directory-whose-path-is-long";
  const auto parent = embedded_driver_parent(cache);
  EXPECT_NE(parent, cache / "libvirt");
  EXPECT_LE(longest_socket_path(parent / "7"), 107u) << parent;
  struct stat st {};
  ASSERT_EQ(::lstat(parent.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_EQ(st.st_uid, ::getuid());
  // The same cache finds the same directory again; another cache gets another.
  EXPECT_EQ(embedded_driver_parent(cache), parent);
  EXPECT_NE(embedded_driver_parent(cache / "other"), parent);
  fs::remove(parent);
  fs::remove(embedded_driver_parent(cache / "other"));
}

// The leftover sweep at every run's start only looks: it must not leave an empty directory in
// /tmp for each throwaway cache (the host tests made 18 of them).
TEST(EmbedRoot, LookingDoesNotCreateTheShortDirectory) {
  TempDir dir(fs::temp_directory_path(), "fuselab-embed-root-test-");
  const fs::path cache = dir.path() / "a-cache-that-is-only-swept-never-booted-from";
  EXPECT_EQ(existing_embedded_driver_parent(cache), std::nullopt);
  const auto parent = embedded_driver_parent(cache);
  EXPECT_EQ(existing_embedded_driver_parent(cache), parent);
  fs::remove(parent);
  EXPECT_FALSE(fs::exists(parent));
  EXPECT_EQ(existing_embedded_driver_parent("/root/.cache/fuselab"),
            fs::path("/root/.cache/fuselab/libvirt"));
}

TEST(EmbedRoot, RefusesASymlinkInItsPlace) {
  TempDir dir(fs::temp_directory_path(), "fuselab-embed-root-test-");
  const fs::path cache = dir.path() / "another-cache-directory-with-a-long-path";
  const auto parent = embedded_driver_parent(cache);
  fs::remove(parent);
  fs::create_directory_symlink(dir.path(), parent);
  EXPECT_THROW(embedded_driver_parent(cache), UserError);
  EXPECT_EQ(existing_embedded_driver_parent(cache), std::nullopt);
  fs::remove(parent);
}

}  // namespace
}  // namespace fuselab
