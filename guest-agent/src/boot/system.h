// The agent as pid 1: console output when there is no channel, powering off.
#pragma once

#include <string>

namespace fuselab::agent {

// Writes "fuselab-agent: FATAL: <what>" to /dev/console (stderr if that cannot be opened).
void console_fatal(const std::string& what);

// Writes "fuselab-agent: <what>" to the console, for the human reading the console log.
void console_note(const std::string& what);

// If fds 0-2 are not open (an initramfs without /dev/console), opens /dev/console onto them.
void ensure_console_stdio();

// As pid 1: sync and power off; never returns, never exits (pid 1 exiting panics the kernel).
// Not pid 1 (tests): exits with `code`.
[[noreturn]] void power_off(int code);

}  // namespace fuselab::agent
