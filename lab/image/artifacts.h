// What a cell boots: a kernel with its modules, an initramfs that starts the agent, and a base
// disk image. Each is built once, cached under cache_dir() keyed by a hash of its inputs, and
// rebuilt when missing. See guest-agent/PROTOCOL.md for what the initramfs must contain.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace fuselab {

struct KernelArtifacts {
  std::filesystem::path kernel;       // bzImage / vmlinuz
  std::filesystem::path modules_dir;  // .../lib/modules/<release>; empty: no modules (all built in)
  std::string release;                // uname -r of the guest, e.g. 6.1.0-56-cloud-amd64
  std::string source;  // human-readable origin, e.g. "debian:bookworm:cloud-amd64 6.1.153-1"
  // The kernel's .config (Debian: boot/config-<release>; built: the final config); empty when
  // unknown (a path: kernel). Capabilities are read from it.
  std::filesystem::path config;
};

// The newest Debian kernel package `linux-image-<flavour>` of `suite`, fetched from the host's
// configured Debian archive and unpacked into the cache.
KernelArtifacts prepare_debian_kernel(const std::string& suite, const std::string& flavour);

// Kernel modules the guest needs at boot (names, without dependencies). A trailing '?' marks a
// module as optional: kernels without it (neither built in nor a module) still get an initramfs.
std::vector<std::string> default_guest_modules();

// The initramfs for `kernel` with `agent` as /init and `modules` plus their dependencies (built-in
// ones skipped, soft `pre:` dependencies included). Cached by the SHA-256 of all of its content.
std::filesystem::path prepare_initramfs(const KernelArtifacts& kernel,
                                        const std::filesystem::path& agent,
                                        const std::vector<std::string>& modules);

// The base qcow2 image: a Debian root filesystem (mmdebstrap) with `agent` injected through
// libguestfs. `recipe` is a file under images/ naming suite and packages.
std::filesystem::path prepare_base_image(const std::filesystem::path& recipe,
                                         const std::filesystem::path& agent);

// A qcow2 overlay backed by `base`, created at `overlay`. The base is never written.
void create_overlay(const std::filesystem::path& base, const std::filesystem::path& overlay);

// The Debian archive URI from the host's own apt configuration (never a hard-coded host).
std::string debian_archive_uri();

}  // namespace fuselab
