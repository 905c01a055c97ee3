// sync_dir_source on a real git checkout with real rsync: the second sync copies only what the
// manifest says changed, removes what is gone, and leaves an unchanged file's mtime alone (make
// must not rebuild it).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "common/paths.h"
#include "common/subprocess.h"
#include "image/kernel_source.h"

namespace fuselab {
namespace {

namespace fs = std::filesystem;

void git(const fs::path& dir, std::vector<std::string> args) {
  args.insert(args.begin(), {"git", "-C", dir.string(), "-c", "user.name=t", "-c",
                             "user.email=t@example.invalid"});
  CommandOptions options;
  options.timeout = std::chrono::seconds(30);
  run_checked(args, options, "git");
}

std::int64_t mtime_ns(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
}

struct DirSourceSync : ::testing::Test {
  TempDir tmp{fs::temp_directory_path(), "fl-dirsync-"};
  fs::path tree = tmp.path() / "linux", work = tmp.path() / "work", dest = work / "src";
  fs::path log = tmp.path() / "sync.log";

  void SetUp() override {
    fs::create_directories(tree / "fs/fuse");
    write_file_atomic(tree / "fs/fuse/file.c", "guard();\n");
    write_file_atomic(tree / "fs/fuse/dev.c", "dev();\n");
    write_file_atomic(tree / "Makefile", "all:\n");
    git(tree, {"init", "-q"});
    git(tree, {"add", "-A"});
    git(tree, {"commit", "-qm", "base"});
  }
  void sync() { sync_dir_source(resolve_dir_source(tree), dest, log); }
};

TEST_F(DirSourceSync, ASecondSyncCopiesOnlyWhatChanged) {
  sync();
  EXPECT_EQ(read_file(dest / "fs/fuse/file.c"), "guard();\n");
  ASSERT_TRUE(fs::exists(work / "source-manifest"));
  auto dev_mtime = mtime_ns(dest / "fs/fuse/dev.c");

  write_file_atomic(tree / "fs/fuse/file.c", "/* no guard */\n");
  write_file_atomic(tree / "fs/fuse/new.c", "new();\n");  // untracked counts too
  fs::remove(tree / "Makefile");
  sync();
  EXPECT_EQ(read_file(dest / "fs/fuse/file.c"), "/* no guard */\n");
  EXPECT_EQ(read_file(dest / "fs/fuse/new.c"), "new();\n");
  EXPECT_FALSE(fs::exists(dest / "Makefile"));
  EXPECT_EQ(mtime_ns(dest / "fs/fuse/dev.c"), dev_mtime);
}

TEST_F(DirSourceSync, ATornManifestMeansAFullSync) {
  sync();
  // A file changed behind the manifest's back in the work tree, and a manifest cut short: the
  // next sync must not trust either.
  write_file_atomic(dest / "fs/fuse/dev.c", "stale();\n");
  auto text = read_file(work / "source-manifest");
  write_file_atomic(work / "source-manifest", text.substr(0, text.size() / 2));
  sync();
  EXPECT_EQ(read_file(dest / "fs/fuse/dev.c"), "dev();\n");
  EXPECT_EQ(read_file(dest / "fs/fuse/file.c"), "guard();\n");
}

}  // namespace
}  // namespace fuselab
