// Real download of the bookworm cloud kernel and a real initramfs build (label host: needs the
// host's Debian archive; the first run downloads ~27 MB, later runs use the cache).
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <map>

#include "common/paths.h"
#include "image/artifacts.h"
#include "image/module_index.h"

namespace fuselab {
namespace {

namespace fs = std::filesystem;

struct CpioEntry {
  unsigned type;
  unsigned mode;
  la_int64_t size;
  std::string content;  // only for small files
};

std::map<std::string, CpioEntry> list_cpio(const fs::path& path) {
  std::map<std::string, CpioEntry> entries;
  archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_cpio(a);
  EXPECT_EQ(archive_read_open_filename(a, path.c_str(), 1 << 16), ARCHIVE_OK);
  archive_entry* entry = nullptr;
  while (archive_read_next_header(a, &entry) == ARCHIVE_OK) {
    CpioEntry e{
        archive_entry_filetype(entry), archive_entry_perm(entry), archive_entry_size(entry), {}};
    if (e.type == AE_IFREG && e.size < 4096) {
      e.content.resize(static_cast<size_t>(e.size));
      archive_read_data(a, e.content.data(), e.content.size());
    }
    // Appended: `"x" + std::string&&` is a false -Wrestrict at -O3 in GCC 12 (GCC bug 105329).
    entries[std::string("/").append(archive_entry_pathname(entry))] = e;
  }
  archive_read_free(a);
  return entries;
}

TEST(ImageHost, BookwormCloudKernelAndInitramfs) {
  auto start = std::chrono::steady_clock::now();
  auto kernel = prepare_debian_kernel("bookworm", "cloud-amd64");
  auto fetched = std::chrono::steady_clock::now();
  EXPECT_TRUE(fs::is_regular_file(kernel.kernel));
  EXPECT_TRUE(kernel.release.ends_with("-cloud-amd64")) << kernel.release;
  EXPECT_TRUE(fs::exists(kernel.modules_dir / "modules.dep"));
  EXPECT_TRUE(kernel.source.starts_with("debian:bookworm:cloud-amd64 ")) << kernel.source;

  auto initramfs = prepare_initramfs(kernel, FUSELAB_AGENT_PATH, default_guest_modules());
  auto built = std::chrono::steady_clock::now();
  spdlog::info("kernel ready in {:.1f} s, initramfs in {:.2f} s",
               std::chrono::duration<double>(fetched - start).count(),
               std::chrono::duration<double>(built - fetched).count());

  auto entries = list_cpio(initramfs);
  ASSERT_TRUE(entries.contains("/init"));
  EXPECT_EQ(entries["/init"].mode, 0755u);
  EXPECT_EQ(entries["/init"].size, static_cast<la_int64_t>(fs::file_size(FUSELAB_AGENT_PATH)));
  for (const char* dir : {"/dev", "/proc", "/sys", "/newroot"}) {
    ASSERT_TRUE(entries.contains(dir)) << dir;
    EXPECT_EQ(entries[dir].type, static_cast<unsigned>(AE_IFDIR)) << dir;
  }
  EXPECT_EQ(entries["/dev/console"].type, static_cast<unsigned>(AE_IFCHR));

  // Bookworm's cloud kernel: virtio, virtio_pci, virtio_blk, virtio_console and fuse are modules,
  // ext4 is built in. Every listed module is in the archive, dependencies before users.
  const auto& list = entries["/etc/fuselab/modules"].content;
  std::vector<std::string> names;
  for (size_t pos = 0, next; pos < list.size(); pos = next + 1) {
    next = list.find('\n', pos);
    auto path = list.substr(pos, next - pos);
    EXPECT_TRUE(entries.contains(path)) << path;
    names.push_back(module_name_from_path(path));
  }
  auto index_of = [&](const std::string& name) {
    return std::find(names.begin(), names.end(), name) - names.begin();
  };
  for (const char* name :
       {"virtio", "virtio_ring", "virtio_pci", "virtio_blk", "virtio_console", "fuse"}) {
    EXPECT_LT(index_of(name), static_cast<long>(names.size())) << name << " missing";
  }
  EXPECT_LT(index_of("virtio"), index_of("virtio_blk"));
  EXPECT_LT(index_of("virtio_ring"), index_of("virtio_pci"));
  EXPECT_EQ(index_of("ext4"), static_cast<long>(names.size()));  // built in, not listed

  // Same inputs: the cached file, not a rebuild.
  EXPECT_EQ(prepare_initramfs(kernel, FUSELAB_AGENT_PATH, default_guest_modules()), initramfs);
}

}  // namespace
}  // namespace fuselab
