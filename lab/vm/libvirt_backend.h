// The libvirt backend. Default connection: the embedded QEMU driver (qemu:///embed?root=DIR), so
// no daemon has to run; any other URI (qemu:///system, qemu:///session, qemu+ssh://...) works too.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "image/file_lock.h"
#include "vm/backend.h"
#include "vm/daemon_reaper.h"
#include "vm/event_loop.h"
#include "vm/libvirt_handles.h"
#include "vm/qemu_access.h"

namespace fuselab {

class LibvirtBackend : public Backend {
 public:
  // `uri` empty: the embedded driver, rooted in a slot under `embed_parent` (one process per slot:
  // libvirt locks the root; the slot keeps QEMU's capability cache, which saves ~8 s per run).
  LibvirtBackend(const std::string& uri, const std::filesystem::path& embed_parent);
  ~LibvirtBackend() override;

  std::unique_ptr<Guest> start(const GuestSpec& spec) override;
  int sweep_stale_guests() override;

  // A daemon's QEMU may run as another user (Debian's system daemon: libvirt-qemu) who cannot
  // reach our cache or temp dirs. Call prepare_work_dir() on the dir that will hold the overlays,
  // then boot from guest_readable() of every kernel, initrd and base image (`backing`: the base,
  // opened read-only through an overlay). Both throw UserError, naming the file and the user,
  // when that user still cannot open it. No-ops for the embedded driver and for QEMU run as
  // root or as ourselves.
  void prepare_work_dir(const std::filesystem::path& dir) override { access_.prepare_dir(dir); }
  std::filesystem::path guest_readable(const std::filesystem::path& file,
                                       const std::filesystem::path& work_dir,
                                       bool backing = false) override {
    return access_.share(file, work_dir, backing);
  }

  std::string uri() const override { return uri_; }
  bool embedded() const { return !embed_root_.empty(); }

 private:
  DaemonReaper reaper_;          // reaps the daemonized QEMU processes of stopped guests
  LibvirtEventLoop event_loop_;  // lives longer than the connection
  std::string uri_;
  std::filesystem::path embed_root_;
  std::optional<FileLock> slot_claim_;  // our claim on the embedded slot, held while connected
  VirConnect conn_;
  QemuFileAccess access_{std::nullopt};
  // A daemon on this host: it sees our files, and writes QEMU's log here.
  bool local_daemon_ = false;
};

// Writes the embedded driver's qemu.conf: QEMU runs as root without a security driver (the lab
// owns its files), and QEMU's stderr goes to a plain file since no virtlogd runs.
void write_embedded_qemu_conf(const std::filesystem::path& root);

}  // namespace fuselab
