// Where the embedded QEMU driver's slots live (qemu:///embed?root=PARENT/N).
#pragma once

#include <filesystem>
#include <optional>

namespace fuselab {

// Longest slot root whose QEMU sockets still fit a UNIX socket path (108 bytes with its NUL):
// libvirt puts a guest's channel at ROOT/lib/qemu/channel/target/domain-ID-NAME/PORT, with NAME
// cut to 20 characters, our port org.fuselab.agent.0, and IDs up to 4 digits (9999 guests per run).
constexpr size_t kMaxEmbedRootLength = 107 - (32 + 4 + 1 + 20 + 1 + 19);

// `cache`/libvirt when its slot roots are short enough (root's default ~/.cache is), else a
// directory of ours under /tmp named by a hash of the cache path and our uid (created 0700; one
// that is a symlink, not a directory, or not ours and 0700 is refused with a UserError). A
// longer root made QEMU's channel socket fail with libvirt's "UNIX socket path ... too long",
// an INFRA verdict for every cell.
std::filesystem::path embedded_driver_parent(const std::filesystem::path& cache);

// The same directory without creating it, for sweeps that only look (nothing to sweep when it
// does not exist): nullopt when the short directory is missing or not ours and 0700, whose
// slots' pid files must never choose what a sweep kills.
std::optional<std::filesystem::path> existing_embedded_driver_parent(
    const std::filesystem::path& cache);

}  // namespace fuselab
