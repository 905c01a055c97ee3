// The VM backend interface, small enough to fake (tests/unit uses a scripted fake). A backend
// makes guests; a guest boots, streams its serial console and its agent channel, accepts lines
// for the agent, and is destroyed explicitly with a deadline. Liveness decisions (boot deadline,
// no output, lost guest) are not made here but above, in run/cell_runner.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace fuselab {

enum class Accelerator { Kvm, Tcg };
const char* to_string(Accelerator accel);

struct GuestSpec {
  std::string name;  // unique among running guests of this backend
  std::filesystem::path kernel;
  std::filesystem::path initrd;
  std::string cmdline;
  std::filesystem::path disk;  // qcow2 overlay, writable, owned by the caller
  unsigned memory_mib = 1024;
  unsigned vcpus = 2;
  Accelerator accel = Accelerator::Tcg;
  // fuselab repro --shell: a second, interactive console (libvirt: a virtio console, the guest's
  // hvc0) for the agent's debug shell. The serial console stays the kernel's.
  bool shell_console = false;
  // Memory dumps asked for (--dump-on-hang): QEMU's vmcoreinfo device, through which the guest
  // kernel tells QEMU where its VMCOREINFO note is, so the dump carries it for crash/drgn.
  bool vmcoreinfo = false;
  // fuselab repro --gdb: QEMU's gdbstub on 127.0.0.1:gdb_port; 0: none.
  unsigned gdb_port = 0;
};

// An interactive console of a guest (the debug shell's), used from one thread only.
class TerminalStream {
 public:
  virtual ~TerminalStream() = default;
  // Appends whatever arrived without waiting; false once the stream has ended.
  virtual bool read(std::string& out) = 0;
  // Sends all of `data` (waiting a few seconds at most); false if it could not.
  virtual bool write(std::string_view data) = 0;
};

// The layout of a memory dump. Elf: an ELF core of all guest memory with QEMU's VMCOREINFO note
// (libvirt's "raw" memory-only dump), the one today's crash (9.0) and drgn (0.0.31 on) read.
// Kdump: kdump-compressed, about a fifth of that on disk, but libkdumpfile (drgn) and crash both
// refuse QEMU 7.2's kdump files here ("KDUMP_ATTR_ARCH_NAME: Key has no value").
enum class DumpFormat { Elf, Kdump };

// How a memory dump (Guest::dump_memory) went.
struct DumpOutcome {
  bool ok = false;
  std::string format;  // "elf", "kdump-zlib", "kdump-lzo", "kdump-snappy"
  std::string error;   // why not, when !ok
  bool timed_out = false;
};

// What the guest is doing, as the hypervisor sees it. Unknown: the hypervisor could not say (the
// query failed, or a state the lab never asks for): never read as an ending.
enum class GuestState { Running, Paused, Shutoff, Crashed, Unknown };

struct GuestOutput {
  std::string console;  // new serial console bytes
  std::string channel;  // new agent channel bytes
  bool console_closed = false;
  bool channel_closed = false;
};

class Guest {
 public:
  virtual ~Guest() = default;
  // The hypervisor's description of the guest (libvirt domain XML), kept with the results.
  virtual std::string description() const = 0;
  // Collects whatever output arrived, waiting at most `wait` for some.
  virtual GuestOutput poll(std::chrono::milliseconds wait) = 0;
  // Sends bytes to the agent channel; false if the channel is gone.
  virtual bool send_channel(const std::string& data) = 0;
  virtual GuestState state() = 0;
  // Why the guest is in the state state() last returned, when that is not plain Running or Shutoff:
  // a pause's reason ("I/O error on disk vda: no space left"), a failed query's error. Else empty.
  virtual std::string state_detail() = 0;
  // Why the hypervisor stopped the guest, if it knows (e.g. QEMU's own log tail).
  virtual std::string exit_detail() = 0;
  // Writes a memory-only dump of the running guest to `file` in `format`, returning within
  // about `deadline` (a dump still running then is aborted, or the guest destroyed) or soon after
  // `stop` turns true. The default: this backend cannot dump.
  virtual DumpOutcome dump_memory(const std::filesystem::path& /*file*/, DumpFormat /*format*/,
                                  std::chrono::seconds /*deadline*/,
                                  const std::atomic<bool>* /*stop*/) {
    return {false, "", "this backend cannot take memory dumps", false};
  }
  // Stops the guest now. Idempotent; never blocks past `deadline`.
  virtual void destroy(std::chrono::seconds deadline) = 0;
  // The shell console (GuestSpec::shell_console), handed over once: null without one, or after.
  // Its owner must drop it before destroy().
  virtual std::unique_ptr<TerminalStream> take_shell() { return nullptr; }
  // Magic sysrq `key` from the host, without guest userspace (libvirt: a serial BREAK and the
  // key on the kernel's console line). Empty when sent, else why not.
  virtual std::string send_sysrq(char /*key*/) { return "this backend cannot send sysrq keys"; }
};

class Backend {
 public:
  virtual ~Backend() = default;
  // Boots a guest. Throws InfraError if the hypervisor refuses.
  virtual std::unique_ptr<Guest> start(const GuestSpec& spec) = 0;
  // Destroys guests this backend left behind earlier (a crashed run); returns how many.
  virtual int sweep_stale_guests() = 0;
  // Where the guests run, as the results record it (libvirt: the URI it connected to).
  virtual std::string uri() const = 0;
  // The hypervisor may run guests as another user: make `dir` (the overlays' parent) and each
  // file a guest boots reachable for it, returning the path to boot (`backing`: a base image
  // opened read-only through an overlay). By default the files are already reachable.
  virtual void prepare_work_dir(const std::filesystem::path& /*dir*/) {}
  virtual std::filesystem::path guest_readable(const std::filesystem::path& file,
                                               const std::filesystem::path& /*work_dir*/,
                                               bool /*backing*/ = false) {
    return file;
  }
};

}  // namespace fuselab
