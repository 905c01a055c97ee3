// Who a libvirt daemon's QEMU runs as, and handing that user the files a guest boots from.
//
// Why: Debian's system daemon runs QEMU as `libvirt-qemu`, which cannot traverse root's home (mode
// 700), where the cache keeps kernels, initrds and base images, nor our private overlay dir. The
// lab does what virt-manager and kdevops do: it puts the guest's files where that user can reach
// them, with the ownership libvirt expects. Files are linked or copied into the run's work dir
// (removed with it), never made accessible in place, and the cache is never relabelled.
#pragma once

#include <fcntl.h>
#include <sys/types.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fuselab {

struct QemuUser {
  uid_t uid = 0;
  gid_t gid = 0;
  std::string name;  // user name, or "uid N" if the host has no entry
};

// The user and group QEMU runs as, from a connection's capabilities XML: the DAC security model's
// <baselabel type='TYPE'>+UID:+GID</baselabel> for `virt_type` ("qemu" or "kvm"). nullopt when
// the capabilities say nothing (no DAC model): then nothing is known and nothing is staged.
std::optional<QemuUser> qemu_user_from_capabilities(const std::string& caps_xml,
                                                    const std::string& virt_type);

class QemuFileAccess {
 public:
  // `user` nullopt, root, or ourselves: QEMU can open whatever we can, files are used in place.
  explicit QemuFileAccess(std::optional<QemuUser> user, std::string uri = {});

  // True when QEMU runs as another user and files must be handed over.
  bool needed() const { return needed_; }
  // True when we also set the guest disk's ownership ourselves (we are root), so libvirt must not
  // relabel the disk's backing chain (it would chown the shared base image for good).
  bool owns_disk_labels() const { return needed_ && root_; }

  // Makes `dir` (the run's work dir: overlays and staged files) traversable by QEMU's user and by
  // nobody else who is not already allowed: root:QEMUGROUP 0750, or 0711 when we are not root.
  void prepare_dir(const std::filesystem::path& dir);
  // A path to `file` that QEMU's user can read: the file itself when no hand-over is needed, else
  // a hard link (`shared_read_only`: a base image, never written, not relabelled) or a copy in
  // `dir`. Throws UserError naming the file and the user if QEMU's user still cannot read it.
  std::filesystem::path share(const std::filesystem::path& file, const std::filesystem::path& dir,
                              bool shared_read_only);
  // Gives the guest's writable disk to QEMU's user (what libvirt's dynamic ownership would do).
  void own_disk(const std::filesystem::path& disk) const;

  const QemuUser& user() const { return user_; }

  // Why QEMU's user cannot open /dev/kvm although it exists, or empty. Not an error (TCG runs),
  // but libvirt then finds its QEMU capability cache stale at every lookup and probes QEMU again:
  // seen here, ~100 s per guest start instead of ~2.
  std::string kvm_problem() const;

 private:
  void check_readable(const std::filesystem::path& path) const;

  QemuUser user_;
  std::string uri_;
  bool needed_ = false;
  bool root_ = false;  // we can chown, and check access as QEMU's user
  std::map<std::filesystem::path, std::filesystem::path> shared_;  // source -> staged path
};

// errno of opening `path` with `flags` (O_RDONLY: to read; O_PATH: only to reach it) as `user`,
// with its supplementary groups; 0 if it opens. Needs root; returns 0 without checking otherwise.
int open_errno_as(const QemuUser& user, const std::filesystem::path& path, int flags = O_RDONLY);

}  // namespace fuselab
