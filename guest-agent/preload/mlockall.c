/* fuselab repro --shell: preloaded into the guest's debug shell (LD_PRELOAD), so that bash and
 * every command typed into it are memory-locked from their first instruction on: mlockall() does
 * not survive execve, so the agent cannot lock them itself. A shell whose pages could be
 * reclaimed might stall behind the very reclaim it was started to look at. */
#include <sys/mman.h>

__attribute__((constructor)) static void fuselab_mlockall(void) {
  /* Best effort: without CAP_IPC_LOCK or over RLIMIT_MEMLOCK the command runs unlocked. */
  (void)mlockall(MCL_CURRENT | MCL_FUTURE);
}
