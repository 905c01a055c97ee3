#include "image/kernel_debug.h"

namespace fs = std::filesystem;

namespace fuselab {

KernelDebugInfo kernel_debug_info(const KernelArtifacts& kernel) {
  KernelDebugInfo info;
  std::error_code ec;
  const fs::path dir = kernel.kernel.parent_path();
  if (fs::is_regular_file(dir / "meta.json", ec) && kernel.modules_dir.empty() &&
      kernel.kernel.filename() == "bzImage") {
    // A fuselab build (everything built in, bzImage): its entry keeps vmlinux only when the
    // config had debug info.
    if (fs::is_regular_file(dir / kVmlinuxFile, ec)) info.vmlinux = dir / kVmlinuxFile;
    if (fs::is_regular_file(dir / kGdbScriptFile, ec)) info.gdb_script = dir / kGdbScriptFile;
    if (info.vmlinux.empty())
      info.note =
          "this build has no debug info: add the debug-info config fragment "
          "(build:...,config=...+debug-info) to keep a vmlinux with symbols";
    return info;
  }
  // A Debian kernel: the symbols are the linux-image-<release>-dbg package's
  // /usr/lib/debug/boot/vmlinux-<release>, used when installed on this host.
  fs::path dbg = fs::path("/usr/lib/debug/boot") / ("vmlinux-" + kernel.release);
  if (!kernel.release.empty() && fs::is_regular_file(dbg, ec)) {
    info.vmlinux = dbg;
    return info;
  }
  info.note = "no vmlinux with symbols for " + kernel.release +
              ": Debian ships them in linux-image-" + kernel.release +
              "-dbg (from the kernel's suite; fuselab does not fetch it), which installs " +
              dbg.string();
  return info;
}

std::string gdb_command(const KernelDebugInfo& debug, unsigned port) {
  std::string target = "-ex 'target remote 127.0.0.1:" + std::to_string(port) + "'";
  if (debug.vmlinux.empty()) return "gdb " + target;
  std::string cmd = "gdb";
  // gdb loads vmlinux-gdb.py itself only from a safe path; name the script's directory so.
  if (!debug.gdb_script.empty())
    cmd += " -iex 'add-auto-load-safe-path " + debug.gdb_script.parent_path().string() + "'";
  return cmd + " " + debug.vmlinux.string() + " " + target;
}

}  // namespace fuselab
