#include <guestfs.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "common/elapsed.h"
#include "common/error.h"
#include "common/hash.h"
#include "common/paths.h"
#include "common/stale_files.h"
#include "image/artifacts.h"
#include "image/ext4_image.h"
#include "image/file_lock.h"
#include "image/guestfs_handle.h"
#include "image/image_recipe.h"
#include "image/rootfs_tarball.h"

namespace fs = std::filesystem;

namespace fuselab {
namespace {

constexpr const char* kImageVersion = "fuselab-image-1";
constexpr const char* kAgentInImage = "/usr/local/sbin/fuselab-agent";
// libfuse's passthrough_ll example, built with the agent (guest-agent/CMakeLists.txt) and found
// beside it: the reference external server (spec server.backend external, ci/bench-fuse).
constexpr const char* kPassthroughBuilt = "fuselab-passthrough_ll";
constexpr const char* kPassthroughInImage = "/usr/local/bin/passthrough_ll";

fs::path passthrough_beside(const fs::path& agent) {
  auto p = agent.parent_path() / kPassthroughBuilt;
  return fs::is_regular_file(p) ? p : fs::path();
}
// fuselab repro --shell: the preload that memory-locks the guest's debug shell (built beside the
// agent; guest-agent/boot/debug_shell.cpp looks for it here).
constexpr const char* kMlockallBuilt = "fuselab-mlockall.so";
constexpr const char* kMlockallInImage = "/usr/local/lib/fuselab/mlockall.so";

fs::path mlockall_beside(const fs::path& agent) {
  auto p = agent.parent_path() / kMlockallBuilt;
  return fs::is_regular_file(p) ? p : fs::path();
}
// Launch (~15-20 s under TCG) plus unpacking a few hundred MiB; generous for a slow CI host.
constexpr std::chrono::minutes kGuestfsDeadline{20};

// Adds the qcow2 `disk` (the appliance's /dev/sda) and starts the appliance, saying how long that
// took: it is most of a short build's time under TCG.
void launch_on(GuestfsHandle& g, const fs::path& disk) {
  g.check(guestfs_add_drive_opts(g.get(), disk.c_str(), GUESTFS_ADD_DRIVE_OPTS_FORMAT, "qcow2", -1),
          "add_drive");
  auto start = std::chrono::steady_clock::now();
  g.launch();
  spdlog::info("libguestfs appliance up in {:.1f} s", seconds_since(start));
}

// The libguestfs way, for a user who is not root (image/ext4_image.h says why root need not):
// the rootfs alone, without the agent, is the slow part (unpacking a few hundred MiB inside a TCG
// appliance, about 2 minutes), so it is kept and shared by every agent build. The guest mounts
// /dev/vda as ext4 directly: no partition table, so the filesystem goes on the whole disk (/dev/sda
// in the appliance).
void build_rootfs_image(const fs::path& output, const ImageRecipe& recipe,
                        const RootfsTarball& rootfs) {
  GuestfsHandle g(kGuestfsDeadline);
  auto* h = g.get();
  auto size = static_cast<int64_t>(recipe.size_gib) << 30;
  g.check(guestfs_disk_create(h, output.c_str(), "qcow2", size, -1), "disk_create");
  launch_on(g, output);
  auto start = std::chrono::steady_clock::now();
  g.check(guestfs_mkfs(h, "ext4", "/dev/sda"), "mkfs ext4");
  g.check(guestfs_set_label(h, "/dev/sda", "fuselab-root"), "set_label");
  g.check(guestfs_mount(h, "/dev/sda", "/"), "mount");
  g.check(guestfs_tar_in(h, rootfs.path.c_str(), "/"), "tar_in rootfs");
  g.check(guestfs_mkdir_p(h, "/usr/local/sbin"), "mkdir /usr/local/sbin");
  g.shutdown();
  spdlog::info("rootfs unpacked into the image in {:.1f} s", seconds_since(start));
}

// A copy of the rootfs image with the agent added: seconds, so a new agent build is cheap.
void add_agent(const fs::path& output, const fs::path& rootfs_image, const fs::path& agent) {
  fs::copy_file(rootfs_image, output);
  GuestfsHandle g(kGuestfsDeadline);
  auto* h = g.get();
  launch_on(g, output);
  g.check(guestfs_mount(h, "/dev/sda", "/"), "mount");
  g.check(guestfs_upload(h, agent.c_str(), kAgentInImage), "upload agent");
  g.check(guestfs_chmod(h, 0755, kAgentInImage), "chmod agent");
  if (auto extra = passthrough_beside(agent); !extra.empty()) {
    g.check(guestfs_upload(h, extra.c_str(), kPassthroughInImage), "upload passthrough_ll");
    g.check(guestfs_chmod(h, 0755, kPassthroughInImage), "chmod passthrough_ll");
  }
  if (auto preload = mlockall_beside(agent); !preload.empty()) {
    g.check(guestfs_mkdir_p(h, "/usr/local/lib/fuselab"), "mkdir /usr/local/lib/fuselab");
    g.check(guestfs_upload(h, preload.c_str(), kMlockallInImage), "upload mlockall.so");
    g.check(guestfs_chmod(h, 0644, kMlockallInImage), "chmod mlockall.so");
  }
  g.shutdown();
}

// The files add_agent() puts in: the agent and, when built beside it, passthrough_ll and the
// debug shell's preload.
std::vector<ImageFile> agent_files(const fs::path& agent) {
  std::vector<ImageFile> files = {{agent, kAgentInImage, 0755}};
  if (auto extra = passthrough_beside(agent); !extra.empty())
    files.push_back({extra, kPassthroughInImage, 0755});
  if (auto preload = mlockall_beside(agent); !preload.empty())
    files.push_back({preload, kMlockallInImage, 0644});
  return files;
}

}  // namespace

fs::path prepare_base_image(const fs::path& recipe_file, const fs::path& agent) {
  if (!fs::is_regular_file(agent)) throw UserError("agent binary not found: " + agent.string());
  auto start = std::chrono::steady_clock::now();
  auto recipe = load_image_recipe(recipe_file);
  auto rootfs = prepare_rootfs_tarball(recipe);
  auto dir = cache_dir() / "images";
  fs::create_directories(dir);

  auto rootfs_key = Sha256()
                        .update(kImageVersion)
                        .update("\n")
                        .update(recipe.canonical())
                        .update("rootfs " + rootfs.sha256 + "\n")
                        .hex();
  auto rootfs_image = dir / ("rootfs-" + rootfs_key + ".qcow2");
  // As root the whole image is made on the host in seconds, agent included: no rootfs image to
  // keep. The cache key is the same either way: the guest sees the same files.
  const bool direct = can_build_ext4_directly();
  if (!direct) {
    FileLock lock(dir / ("rootfs-" + rootfs_key + ".lock"));
    if (!fs::exists(rootfs_image)) {
      build_file_atomically(rootfs_image, [&](const fs::path& partial) {
        build_rootfs_image(partial, recipe, rootfs);
      });
    }
  }

  auto extra = passthrough_beside(agent);
  auto preload = mlockall_beside(agent);
  auto key = Sha256()
                 .update(rootfs_key)
                 .update("agent " + sha256_file(agent) + "\n")
                 .update(extra.empty() ? "" : "passthrough_ll " + sha256_file(extra) + "\n")
                 .update(preload.empty() ? "" : "mlockall " + sha256_file(preload) + "\n")
                 .hex();
  auto image = dir / (key + ".qcow2");
  FileLock lock(dir / (key + ".lock"));
  if (fs::exists(image)) {
    spdlog::info("base image is cached: {}", image.string());
    return image;
  }
  build_file_atomically(image, [&](const fs::path& partial) {
    if (direct) {
      build_ext4_image(partial, rootfs.path, static_cast<uint64_t>(recipe.size_gib) << 30,
                       "fuselab-root", {"/usr/local/sbin"}, agent_files(agent));
    } else {
      add_agent(partial, rootfs_image, agent);
    }
  });
  spdlog::info("base image ready in {:.1f} s: {}", seconds_since(start), image.string());
  return image;
}

}  // namespace fuselab
