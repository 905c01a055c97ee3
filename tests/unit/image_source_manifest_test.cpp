#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "common/paths.h"
#include "image/source_manifest.h"

namespace fuselab {
namespace {

namespace fs = std::filesystem;
using namespace std::string_literals;

TEST(SourceManifest, RoundTripsThroughItsText) {
  SourceManifest m{{"fs/fuse/file.c", {101, 2, 3, 4}}, {"odd name\twith\nbytes", {0, 0, 0, 0}}};
  auto back = parse_manifest(manifest_text(m));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, m);
  EXPECT_EQ(parse_manifest(""), SourceManifest{});
}

TEST(SourceManifest, RefusesATornOrForeignText) {
  auto text = manifest_text({{"a", {1, 2, 3, 4}}, {"b", {5, 6, 7, 8}}});
  // Only a cut right after the first record parses (as that record): never a half record.
  for (size_t cut = 1; cut < text.size(); ++cut) {
    auto parsed = parse_manifest(std::string_view(text).substr(0, cut));
    EXPECT_EQ(parsed.has_value(), cut == text.find('b')) << cut;
  }
  EXPECT_FALSE(parse_manifest("a\0001 2 x 4\0"s));
  EXPECT_FALSE(parse_manifest("\0001 2 3 4\0"s));
  EXPECT_FALSE(parse_manifest("a\0001 2 3 4\0a\0001 2 3 4\0"s));  // a path twice
  EXPECT_FALSE(parse_manifest("not a manifest at all"));
}

TEST(SourceManifest, ChangesAreNewChangedAndRemovedFiles) {
  SourceManifest before{{"kept", {1, 1, 1, 1}}, {"edited", {1, 1, 1, 2}}, {"gone", {1, 1, 1, 3}}};
  SourceManifest now{{"kept", {1, 1, 1, 1}}, {"edited", {1, 1, 9, 2}}, {"new", {1, 1, 1, 4}}};
  auto c = manifest_changes(before, now);
  EXPECT_EQ(c.changed, (std::vector<std::string>{"edited", "new"}));
  EXPECT_EQ(c.removed, (std::vector<std::string>{"gone"}));
}

TEST(SourceManifest, ARewriteWithTheOldMtimeStillCounts) {
  TempDir dir(fs::temp_directory_path(), "fl-manifest-");
  write_file_atomic(dir.path() / "file.c", "int guard;\n");
  auto before = stamp_files(dir.path(), {"file.c", "missing.c"});
  ASSERT_EQ(before.size(), 1u);  // a file that is not there is left out
  struct stat st {};
  ASSERT_EQ(::stat((dir.path() / "file.c").c_str(), &st), 0);
  // Same size, same mtime: only ctime (and the inode, for an atomic write) tells.
  write_file_atomic(dir.path() / "file.c", "int guarx;\n");
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, (dir.path() / "file.c").c_str(), times, 0), 0);
  auto now = stamp_files(dir.path(), {"file.c"});
  EXPECT_EQ(now.at("file.c").mtime_ns, before.at("file.c").mtime_ns);
  EXPECT_EQ(manifest_changes(before, now).changed, std::vector<std::string>{"file.c"});
  EXPECT_TRUE(manifest_changes(now, stamp_files(dir.path(), {"file.c"})).changed.empty());
}

}  // namespace
}  // namespace fuselab
