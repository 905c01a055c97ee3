// fuselab repro --shell: a root shell on the guest's virtio console that keeps answering while
// the cell deadlocks (PROTOCOL.md "run", `shell`). pid 1 starts it before the scenario, so the
// shell and everything typed into it stay in the root cgroup, outside the tested memcg.
#pragma once

#include <sys/types.h>

#include "util/children.h"

namespace fuselab::agent {

// Forks the shell's supervisor: this static binary, mlockall()ed and exempt from the OOM
// killer, which waits for /dev/hvc0 and runs bash on it as its controlling terminal, again each
// time bash exits. mlockall() does not survive execve, so bash (and every command it runs) is
// locked by a preloaded library instead, when the image has it (/usr/local/lib/fuselab/).
pid_t start_debug_shell(ChildReaper& reaper);

// Lets the host's sysrq keys (a serial BREAK then the key, or Alt+SysRq on a keyboard) run every
// sysrq function: Debian kernels allow only a few of them by default (kernel.sysrq=438, no
// task dumps). /proc/sysrq-trigger, which the monitor writes, is not affected either way.
void enable_host_sysrq();

}  // namespace fuselab::agent
