// QEMU processes whose fuselab died: found through the embedded driver's roots and killed.
//
// Why this exists: libvirt's embedded driver daemonizes QEMU, so a SIGKILLed fuselab leaves its
// guests running (AUTODESTROY is refused there, and PR_SET_PDEATHSIG cannot reach a daemon). An
// embed root is held through libvirt's lock on <root>/run/qemu/driver.pid; when nobody holds it,
// every QEMU named by a pid file of that root is an orphan. Its pid file and status XML are
// removed with it, so no later driver sees a domain there.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace fuselab {

struct OrphanGuest {
  std::filesystem::path root;
  std::string name;
  pid_t pid = 0;
};

// The pid holding the driver lock of embed root `root`, 0 when none (a missing root: 0).
// Locks our own process holds are not seen (fcntl locks are per process): call it before this
// process opens the slot, or from another process.
pid_t embed_root_holder(const std::filesystem::path& root);

// Kills the QEMU of every domain in every unheld root under `embed_parent` (the slots 0, 1, ...)
// and removes its pid file and status XML. Returns what it killed.
std::vector<OrphanGuest> kill_orphaned_guests(const std::filesystem::path& embed_parent);

}  // namespace fuselab
