// `cache gc` on a fake cache tree: least recently used first, never an entry in use (its
// builder's lock held, or held by a run), and a dry run removes nothing.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "common/error.h"
#include "common/paths.h"
#include "image/cache_inventory.h"
#include "image/file_lock.h"
#include "support/cli_runner.h"

namespace fuselab {
namespace {

namespace fs = std::filesystem;

// A file of `mib` MiB last used `days_ago` days ago.
void make_file(const fs::path& p, int mib, int days_ago) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << std::string(static_cast<size_t>(mib) << 20, 'x');
  struct timespec t = {::time(nullptr) - days_ago * 86400L, 0};
  struct timespec times[2] = {t, t};
  ASSERT_EQ(::utimensat(AT_FDCWD, p.c_str(), times, 0), 0);
}

struct FakeCache {
  TempDir dir{fs::temp_directory_path(), "fuselab-gc-"};
  fs::path root = dir.path();
  FakeCache() {
    make_file(root / "kernels/debian-old/boot/vmlinuz-6.1.0-1", 3, 30);
    std::ofstream(root / "kernels/debian-old/meta.json") << "{}";
    make_file(root / "kernels/build-aaaa/bzImage", 2, 1);
    std::ofstream(root / "kernels/build-aaaa/meta.json") << "{}";
    make_file(root / "kernels/work/k1/obj/vmlinux", 5, 40);  // oldest, but its build runs
    make_file(root / "kernels/work/k1.lock", 0, 40);         // its last build: 40 days ago
    make_file(root / "images/img1.qcow2", 4, 20);
    make_file(root / "images/img2.qcow2", 4, 25);  // held by a "run"
    make_file(root / "rootfs/r1.tar", 1, 10);
    std::ofstream(root / "rootfs/r1.tar.sha256") << "abc";
    make_file(root / "initramfs/i1.cpio.gz", 1, 0);
    make_file(root / "images/half.qcow2.partial.123", 1,
              50);  // not an entry: leftovers are swept elsewhere
  }
};

TEST(CacheGc, ListsEveryKindWithSizesOldestFirst) {
  FakeCache cache;
  auto entries = list_cache_entries(cache.root);
  ASSERT_EQ(entries.size(), 7u);
  EXPECT_EQ(entries.front().kind, "kernel-work");
  EXPECT_EQ(entries.back().kind, "initramfs");
  std::uint64_t total = 0;
  for (const auto& e : entries) total += e.size_bytes;
  EXPECT_EQ(total, (5u + 3u + 4u + 4u + 2u + 1u + 1u) * (1u << 20) + 3u + 4u);
}

TEST(CacheGc, RemovesLeastRecentlyUsedUnlockedUntilUnderBudget) {
  FakeCache cache;
  FileLock building(cache.root / "kernels/work/k1.lock");
  // Taking it wrote the holder into the file: age it again.
  make_file(cache.root / "kernels/work/k1.lock", 0, 40);
  UniqueFd run_holds = hold_in_use(cache.root / "images/img2.qcow2");
  ASSERT_TRUE(run_holds);
  // 20 MiB in all; a budget of 10 MiB: the work tree (locked, oldest) stays, then the oldest
  // others go: debian-old (30 days), img1 (20), rootfs (10), build-aaaa (1): 10 MiB left.
  GcResult dry = collect_garbage(cache.root, 10u << 20, /*dry_run=*/true);
  EXPECT_TRUE(fs::exists(cache.root / "kernels/debian-old"));
  GcResult r = collect_garbage(cache.root, 10u << 20, /*dry_run=*/false);
  ASSERT_EQ(r.removed.size(), dry.removed.size());
  EXPECT_EQ(r.freed_bytes, dry.freed_bytes);
  EXPECT_LE(r.total_after, 10u << 20);
  EXPECT_TRUE(fs::exists(cache.root / "kernels/work/k1/obj/vmlinux"))
      << "a locked work tree was removed";
  EXPECT_TRUE(fs::exists(cache.root / "images/img2.qcow2")) << "an image a run holds was removed";
  EXPECT_FALSE(fs::exists(cache.root / "kernels/debian-old"));
  EXPECT_FALSE(fs::exists(cache.root / "images/img1.qcow2"));
  EXPECT_TRUE(fs::exists(cache.root / "initramfs/i1.cpio.gz"))
      << "the newest entry went before older ones";
  ASSERT_EQ(r.kept_in_use.size(), 1u);
  EXPECT_EQ(r.kept_in_use[0].kind, "kernel-work");
  // A budget nothing fits: all goes but what is in use (img2 was marked used now by its holder).
  GcResult all = collect_garbage(cache.root, 1u << 20, false);
  ASSERT_EQ(all.kept_in_use.size(), 2u);
  EXPECT_EQ(all.kept_in_use[0].kind, "kernel-work");
  EXPECT_EQ(all.kept_in_use[1].path, cache.root / "images/img2.qcow2");
  EXPECT_FALSE(fs::exists(cache.root / "initramfs/i1.cpio.gz"));
  EXPECT_EQ(all.total_after, 9u << 20);
  // Under budget already: nothing more goes.
  EXPECT_TRUE(collect_garbage(cache.root, 1u << 30, false).removed.empty());
}

TEST(CacheGc, CliListAndGcDryRun) {
  FakeCache cache;
  ::setenv("FUSELAB_CACHE_DIR", cache.root.c_str(), 1);
  auto list = testing::run_cli({"cache", "list"}, std::chrono::seconds(60));
  auto gc =
      testing::run_cli({"cache", "gc", "--budget", "1M", "--dry-run"}, std::chrono::seconds(60));
  auto bad = testing::run_cli({"cache", "gc", "--budget", "lots"}, std::chrono::seconds(60));
  ::unsetenv("FUSELAB_CACHE_DIR");
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("kernel-work"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("7 entries"), std::string::npos) << list.out;
  EXPECT_EQ(gc.exit_code, 0) << gc.err;
  EXPECT_NE(gc.out.find("would free"), std::string::npos) << gc.out;
  EXPECT_TRUE(fs::exists(cache.root / "kernels/debian-old")) << "a dry run removed something";
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--budget: 'lots' is not a size"), std::string::npos) << bad.err;
}

TEST(CacheGc, ParseSize) {
  EXPECT_EQ(parse_size("20G", "x"), 20ull << 30);
  EXPECT_EQ(parse_size("512M", "x"), 512ull << 20);
  EXPECT_EQ(parse_size("1.5GiB", "x"), 3ull << 29);
  EXPECT_EQ(parse_size("100", "x"), 100u);
  for (const char* bad : {"", "G", "-1G", "1X", "1e30T", "nan"})
    EXPECT_THROW(parse_size(bad, "x"), UserError) << bad;
}

}  // namespace
}  // namespace fuselab
