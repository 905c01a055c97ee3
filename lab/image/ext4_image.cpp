#include "image/ext4_image.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include "common/paths.h"
#include "common/stale_files.h"
#include "common/subprocess.h"

namespace fs = std::filesystem;

namespace fuselab {

bool can_build_ext4_directly() {
  // FUSELAB_IMAGE_BUILDER=guestfs: the libguestfs way even as root (to compare, or to work
  // around a host whose mke2fs misbehaves).
  const char* builder = std::getenv("FUSELAB_IMAGE_BUILDER");
  if (builder != nullptr && std::string(builder) == "guestfs") return false;
  return geteuid() == 0 && !find_program("mke2fs").empty();
}

void build_ext4_image(const fs::path& output, const fs::path& tarball, std::uint64_t size_bytes,
                      const std::string& label, const std::vector<std::string>& dirs,
                      const std::vector<ImageFile>& files) {
  // Beside the output, so the tree and the raw disk land on the cache's filesystem, and named so
  // that a later run sweeps them when this one is killed (common/stale_files.h).
  TempDir work(output.parent_path(), owned_temp_prefix(".build-"));
  const auto tree = work.path() / "root";
  const auto raw = work.path() / "disk.raw";
  fs::create_directories(tree);
  CommandOptions opts;
  opts.timeout = std::chrono::minutes(10);
  // GNU tar as root keeps owners (numerically: the host's names are not the guest's), modes,
  // device nodes and file capabilities.
  run_checked(
      {"tar", "--extract", "--file", tarball.string(), "--directory", tree.string(),
       "--same-permissions", "--same-owner", "--numeric-owner", "--xattrs", "--xattrs-include=*"},
      opts, "tar");
  for (const auto& dir : dirs) fs::create_directories(tree / fs::path(dir).relative_path());
  for (const auto& file : files) {
    const auto to = tree / fs::path(file.to).relative_path();
    fs::create_directories(to.parent_path());
    fs::copy_file(file.from, to, fs::copy_options::overwrite_existing);
    fs::permissions(to, static_cast<fs::perms>(file.mode));
  }
  // mke2fs sizes a regular file it is given as the filesystem: -E root_owner keeps / as root's.
  run_checked({"mke2fs", "-q", "-F", "-t", "ext4", "-L", label, "-d", tree.string(), "-E",
               "root_owner=0:0", raw.string(), std::to_string(size_bytes / 1024) + "k"},
              opts, "e2fsprogs");
  run_checked(
      {"qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", raw.string(), output.string()},
      opts, "qemu-utils");
}

}  // namespace fuselab
