// The guest's root filesystem image made on the host, without booting anything: the rootfs
// tarball unpacked into a directory, `mke2fs -d` over it, `qemu-img convert` to qcow2. Under TCG
// the libguestfs way (launch an appliance, mkfs, tar_in over virtio-serial) took 148 s for the
// bookworm image here, most of a newcomer's first smoke run after the compile; this takes
// seconds. It needs root: only root unpacks a tarball with its owners, modes and device nodes
// intact. Others keep the libguestfs way (lab/image/base_image.cpp).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace fuselab {

// True when this process can build an image the direct way: root, and mke2fs installed.
bool can_build_ext4_directly();

// A host file put into the image at `to` (an absolute guest path; parents are created).
struct ImageFile {
  std::filesystem::path from;
  std::string to;
  mode_t mode = 0644;
};

// Writes the qcow2 `output`: an ext4 filesystem of `size_bytes` labelled `label`, on the whole
// disk (no partition table), holding `tarball`'s tree, the empty directories `dirs` and `files`.
// Throws UserError for a missing tool, InfraError when a step fails (naming it and its stderr).
void build_ext4_image(const std::filesystem::path& output, const std::filesystem::path& tarball,
                      std::uint64_t size_bytes, const std::string& label,
                      const std::vector<std::string>& dirs, const std::vector<ImageFile>& files);

}  // namespace fuselab
