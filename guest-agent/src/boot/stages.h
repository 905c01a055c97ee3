// The agent's entry points, chosen by main(): argv[0] "/init" (stage 1), `guest` (stage 2),
// `local` (the same scenario on the host).
#pragma once

namespace fuselab::agent {

// Stage 1, pid 1 in the initramfs: load modules, mount the root disk, switch root, exec stage 2.
[[noreturn]] void run_init_stage();

// Stage 2, pid 1 on the root disk: talk to the host over the virtio port, run the cell, power off.
[[noreturn]] void run_guest_stage();

// `local --mountpoint DIR --spec JSON`: returns the exit code (0 ok, 1 failed, 2 bad usage/spec).
int run_local(int argc, char** argv);

}  // namespace fuselab::agent
