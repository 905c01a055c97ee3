#include "vm/host_sysrq.h"

#include <libvirt/virterror.h>

#include "common/error.h"
#include "vm/libvirt_handles.h"

namespace fuselab {

void press_sysrq_keys(const std::string& uri, const std::string& name, unsigned keycode) {
  if (uri.empty() || uri.starts_with("qemu:///embed"))
    throw UserError(
        "fuselab sysrq needs a libvirt daemon (--connect qemu:///system): a guest of the embedded "
        "QEMU driver lives inside the fuselab process that runs it, and no other process can "
        "reach it",
        "in that `fuselab repro`, press Ctrl-] then w, t, m or l; or run it with --connect");
  VirConnect conn(virConnectOpen(uri.c_str()));
  if (!conn) throw UserError("libvirt: cannot connect to " + uri + ": " + libvirt_error());
  VirDomain domain(virDomainLookupByName(conn.get(), name.c_str()));
  if (!domain)
    throw UserError(
        "no guest named " + name + " on " + uri + ": " + libvirt_error(),
        "fuselab repro prints its guest's name; `virsh -c " + uri + " list` lists them");
  // Held 100 ms: the keyboard sees Alt and SysRq down, then the key, then all released.
  unsigned keys[] = {56 /* KEY_LEFTALT */, 99 /* KEY_SYSRQ */, keycode};
  if (virDomainSendKey(domain.get(), VIR_KEYCODE_SET_LINUX, 100, keys, 3, 0) < 0)
    throw InfraError("libvirt: cannot send keys to " + name + ": " + libvirt_error());
}

}  // namespace fuselab
