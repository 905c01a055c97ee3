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

namespace fuselab {

class LibvirtBackend : public Backend {
 public:
  // `uri` empty: the embedded driver, rooted in a slot under `embed_parent` (one process per slot:
  // libvirt locks the root; the slot keeps QEMU's capability cache, which saves ~8 s per run).
  LibvirtBackend(const std::string& uri, const std::filesystem::path& embed_parent);
  ~LibvirtBackend() override;

  std::unique_ptr<Guest> start(const GuestSpec& spec) override;
  int sweep_stale_guests() override;

  const std::string& uri() const { return uri_; }
  bool embedded() const { return !embed_root_.empty(); }

 private:
  DaemonReaper reaper_;          // reaps the daemonized QEMU processes of stopped guests
  LibvirtEventLoop event_loop_;  // lives longer than the connection
  std::string uri_;
  std::filesystem::path embed_root_;
  std::optional<FileLock> slot_claim_;  // our claim on the embedded slot, held while connected
  VirConnect conn_;
};

// Writes the embedded driver's qemu.conf: QEMU runs as root without a security driver (the lab
// owns its files), and QEMU's stderr goes to a plain file since no virtlogd runs.
void write_embedded_qemu_conf(const std::filesystem::path& root);

}  // namespace fuselab
