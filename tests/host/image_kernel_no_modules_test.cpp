// A kernel with everything built in (fuselab's own builds, many path: kernels) has no modules
// directory: its initramfs loads no modules instead of failing on a missing modules.dep.
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <map>

#include "common/paths.h"
#include "image/artifacts.h"

namespace fs = std::filesystem;

namespace fuselab {
namespace {

// Path -> content (small regular files) of a gzip'd newc archive.
std::map<std::string, std::string> read_cpio(const fs::path& path) {
  std::map<std::string, std::string> files;
  archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_cpio(a);
  EXPECT_EQ(archive_read_open_filename(a, path.c_str(), 1 << 16), ARCHIVE_OK);
  archive_entry* entry = nullptr;
  while (archive_read_next_header(a, &entry) == ARCHIVE_OK) {
    std::string content;
    if (archive_entry_filetype(entry) == AE_IFREG && archive_entry_size(entry) < 4096) {
      content.resize(static_cast<size_t>(archive_entry_size(entry)));
      archive_read_data(a, content.data(), content.size());
    }
    // Appended: `"x" + std::string&&` is a false -Wrestrict at -O3 in GCC 12 (GCC bug 105329).
    files[std::string("/").append(archive_entry_pathname(entry))] = content;
  }
  archive_read_free(a);
  return files;
}

TEST(ImageNoModules, InitramfsForAKernelWithoutModules) {
  TempDir cache(fs::temp_directory_path(), "fuselab-nomod-");
  ::setenv("FUSELAB_CACHE_DIR", cache.path().c_str(), 1);
  KernelArtifacts kernel;
  kernel.kernel = cache.path() / "bzImage";
  kernel.release = "7.2.13";
  auto initramfs = prepare_initramfs(kernel, FUSELAB_AGENT_PATH, default_guest_modules());
  auto files = read_cpio(initramfs);
  EXPECT_TRUE(files.contains("/init"));
  ASSERT_TRUE(files.contains("/etc/fuselab/modules"));
  EXPECT_EQ(files["/etc/fuselab/modules"], "");

  // A modules directory without modules.dep is treated the same way.
  kernel.modules_dir = cache.path() / "lib/modules/7.2.13";
  fs::create_directories(kernel.modules_dir);
  EXPECT_EQ(prepare_initramfs(kernel, FUSELAB_AGENT_PATH, default_guest_modules()), initramfs);
  ::unsetenv("FUSELAB_CACHE_DIR");
}

}  // namespace
}  // namespace fuselab
