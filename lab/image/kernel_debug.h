// The debug side of a kernel: the vmlinux with DWARF that gdb, crash and drgn read, and the
// kernel's gdb helper scripts (lx-ps, lx-dmesg). fuselab's own builds keep both in their cache
// entry when built with the debug-info config fragment; Debian's are in a separate package.
#pragma once

#include <filesystem>
#include <string>

#include "image/artifacts.h"

namespace fuselab {

// Names of the files a build's cache entry keeps beside its bzImage (kernel_build.cpp).
inline constexpr const char* kVmlinuxFile = "vmlinux";
inline constexpr const char* kGdbScriptFile = "vmlinux-gdb.py";  // with scripts/gdb/ beside it

struct KernelDebugInfo {
  std::filesystem::path vmlinux;     // empty: no symbols here
  std::filesystem::path gdb_script;  // vmlinux-gdb.py, empty: none
  std::string note;                  // where symbols come from when they are missing
};

KernelDebugInfo kernel_debug_info(const KernelArtifacts& kernel);

// The gdb command that attaches to a guest's gdbstub on 127.0.0.1:port with these symbols.
std::string gdb_command(const KernelDebugInfo& debug, unsigned port);

}  // namespace fuselab
