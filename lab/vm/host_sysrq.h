// `fuselab sysrq NAME KEY`: sysrq for a guest that another process runs, through a libvirt daemon.
#pragma once

#include <string>

namespace fuselab {

// Presses Alt+SysRq+`keycode` (a Linux input keycode) on guest `name`'s PS/2 keyboard through
// the daemon at `uri` (virDomainSendKey). A guest kernel without an i8042 keyboard driver
// (fuselab's own builds) ignores it. Throws UserError for an embedded or empty URI (no other
// process can reach that guest) and for an unknown guest; InfraError if libvirt refuses the keys.
void press_sysrq_keys(const std::string& uri, const std::string& name, unsigned keycode);

}  // namespace fuselab
