// The process's one stop request: SIGINT/SIGTERM/SIGHUP set it (the CLI's handler), and every
// wait that must end early reads it: the plan runner between and during cells, cache lock waits
// (FileLock), run_command for the commands given it as their stop token (a kernel's make). One
// flag, so a Ctrl-C reaches whatever is running, however deep.
#pragma once

#include <atomic>

namespace fuselab {

// Lock-free, so setting it from a signal handler is async-signal-safe.
std::atomic<bool>& stop_request();

}  // namespace fuselab
