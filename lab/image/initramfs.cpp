#include "image/initramfs.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "common/elapsed.h"
#include "common/error.h"
#include "common/hash.h"
#include "common/paths.h"
#include "common/stale_files.h"
#include "image/cpio_writer.h"
#include "image/file_lock.h"
#include "image/module_index.h"

namespace fs = std::filesystem;

namespace fuselab {
namespace {

// Bump when the initramfs layout changes, so caches built by an older fuselab are not reused.
constexpr const char* kLayoutVersion = "fuselab-initramfs-1";

void write_initramfs(const fs::path& output, const KernelArtifacts& kernel, const fs::path& agent,
                     const std::vector<std::string>& order) {
  CpioWriter cpio(output);
  for (const char* dir : {"/dev", "/proc", "/sys", "/newroot", "/etc/fuselab", "/tmp"}) {
    cpio.add_directory(dir);
  }
  // The kernel opens /dev/console for pid 1's stdio before devtmpfs is mounted; without this
  // node the agent's early messages are lost.
  cpio.add_char_device("/dev/console", 5, 1, 0600);
  cpio.add_file_from("/init", agent, 0755);
  const std::string modules_root = "/lib/modules/" + kernel.release + "/";
  for (const auto& path : order) {
    cpio.add_file_from(modules_root + path, kernel.modules_dir / path, 0644);
  }
  cpio.add_file("/etc/fuselab/modules", initramfs_module_list(kernel.release, order), 0644);
  cpio.close();
}

}  // namespace

std::vector<std::string> default_guest_modules() {
  // No virtio_rng: the guests have no rng device, so loading it only cost boot time under TCG.
  return {"virtio_pci", "virtio_blk", "virtio_console", "fuse", "ext4"};
}

std::string initramfs_module_list(const std::string& release,
                                  const std::vector<std::string>& load_order) {
  std::string text;
  for (const auto& path : load_order) text += "/lib/modules/" + release + "/" + path + "\n";
  return text;
}

std::string initramfs_cache_key(const KernelArtifacts& kernel, const std::string& agent_sha256,
                                const std::vector<std::pair<std::string, std::string>>& modules) {
  Sha256 hash;
  hash.update(kLayoutVersion).update("\n");
  hash.update("release ").update(kernel.release).update("\n");
  hash.update("agent ").update(agent_sha256).update("\n");
  for (const auto& [path, sha] : modules)
    hash.update("module ").update(path).update(" ").update(sha).update("\n");
  return hash.hex();
}

fs::path prepare_initramfs(const KernelArtifacts& kernel, const fs::path& agent,
                           const std::vector<std::string>& modules) {
  auto start = std::chrono::steady_clock::now();
  if (!fs::is_regular_file(agent)) throw UserError("agent binary not found: " + agent.string());
  // A kernel without modules (fuselab's own builds, many path: kernels) has everything the guest
  // needs built in, or it will fail to boot with a console saying what is missing.
  std::vector<std::string> order;
  if (!kernel.modules_dir.empty() && fs::exists(kernel.modules_dir / "modules.dep")) {
    order = ModuleIndex::load(kernel.modules_dir).load_order(modules);
  } else {
    spdlog::debug("kernel {} has no modules.dep: the initramfs loads no modules", kernel.release);
  }
  std::vector<std::pair<std::string, std::string>> hashed;
  for (const auto& path : order) hashed.emplace_back(path, sha256_file(kernel.modules_dir / path));
  auto key = initramfs_cache_key(kernel, sha256_file(agent), hashed);

  auto dir = cache_dir() / "initramfs";
  auto output = dir / (key + ".cpio.gz");
  FileLock lock(dir / (key + ".lock"));
  if (fs::exists(output)) {
    spdlog::info("initramfs for {} is cached: {}", kernel.release, output.string());
    return output;
  }
  build_file_atomically(
      output, [&](const fs::path& partial) { write_initramfs(partial, kernel, agent, order); });
  spdlog::info("initramfs for {} ({} modules) built in {:.2f} s: {}", kernel.release, order.size(),
               seconds_since(start), output.string());
  return output;
}

}  // namespace fuselab
