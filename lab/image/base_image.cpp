#include <guestfs.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>

#include "common/error.h"
#include "common/hash.h"
#include "common/paths.h"
#include "image/artifacts.h"
#include "image/file_lock.h"
#include "image/guestfs_handle.h"
#include "image/image_recipe.h"
#include "image/rootfs_tarball.h"

namespace fs = std::filesystem;

namespace fuselab {
namespace {

constexpr const char* kImageVersion = "fuselab-image-1";
constexpr const char* kAgentInImage = "/usr/local/sbin/fuselab-agent";
// Launch (~15-20 s under TCG) plus unpacking a few hundred MiB; generous for a slow CI host.
constexpr std::chrono::minutes kGuestfsDeadline{20};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The guest mounts /dev/vda as ext4 directly: no partition table, so the filesystem goes on the
// whole disk (/dev/sda inside the appliance).
void build_image(const fs::path& output, const ImageRecipe& recipe, const RootfsTarball& rootfs,
                 const fs::path& agent) {
  GuestfsHandle g(kGuestfsDeadline);
  auto* h = g.get();
  auto size = static_cast<int64_t>(recipe.size_gib) << 30;
  g.check(guestfs_disk_create(h, output.c_str(), "qcow2", size, -1), "disk_create");
  g.check(guestfs_add_drive_opts(h, output.c_str(), GUESTFS_ADD_DRIVE_OPTS_FORMAT, "qcow2", -1),
          "add_drive");
  auto start = std::chrono::steady_clock::now();
  g.launch();
  spdlog::info("libguestfs appliance up in {:.1f} s", seconds_since(start));

  start = std::chrono::steady_clock::now();
  g.check(guestfs_mkfs(h, "ext4", "/dev/sda"), "mkfs ext4");
  g.check(guestfs_set_label(h, "/dev/sda", "fuselab-root"), "set_label");
  g.check(guestfs_mount(h, "/dev/sda", "/"), "mount");
  g.check(guestfs_tar_in(h, rootfs.path.c_str(), "/"), "tar_in rootfs");
  g.check(guestfs_mkdir_p(h, "/usr/local/sbin"), "mkdir /usr/local/sbin");
  g.check(guestfs_upload(h, agent.c_str(), kAgentInImage), "upload agent");
  g.check(guestfs_chmod(h, 0755, kAgentInImage), "chmod agent");
  g.shutdown();
  spdlog::info("rootfs and agent written in {:.1f} s", seconds_since(start));
}

}  // namespace

fs::path prepare_base_image(const fs::path& recipe_file, const fs::path& agent) {
  if (!fs::is_regular_file(agent)) throw UserError("agent binary not found: " + agent.string());
  auto recipe = load_image_recipe(recipe_file);
  auto rootfs = prepare_rootfs_tarball(recipe);
  auto key = Sha256()
                 .update(kImageVersion)
                 .update("\n")
                 .update(recipe.canonical())
                 .update("rootfs " + rootfs.sha256 + "\n")
                 .update("agent " + sha256_file(agent) + "\n")
                 .hex();

  auto dir = cache_dir() / "images";
  auto image = dir / (key + ".qcow2");
  FileLock lock(dir / (key + ".lock"));
  if (fs::exists(image)) {
    spdlog::info("base image is cached: {}", image.string());
    return image;
  }
  auto start = std::chrono::steady_clock::now();
  auto partial = dir / (key + ".qcow2.partial." + std::to_string(::getpid()));
  try {
    build_image(partial, recipe, rootfs, agent);
  } catch (...) {
    std::error_code ec;
    fs::remove(partial, ec);
    throw;
  }
  fs::rename(partial, image);
  spdlog::info("base image built in {:.1f} s: {}", seconds_since(start), image.string());
  return image;
}

}  // namespace fuselab
