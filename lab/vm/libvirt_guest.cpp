#include "vm/libvirt_guest.h"

#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <span>
#include <thread>

#include "common/error.h"
#include "common/paths.h"
#include "common/subprocess.h"
#include "vm/domain_xml.h"

namespace fuselab {
namespace {

using Clock = std::chrono::steady_clock;

// Reads what a non-blocking stream has now. Returns false once the stream ended or failed.
bool drain(VirStream& stream, std::string& out) {
  if (!stream) return false;
  char buf[16384];
  // Bounded per call so that a flooding guest cannot starve the other stream.
  for (int i = 0; i < 64; ++i) {
    int n = virStreamRecv(stream.get(), buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == -2) return true;  // no data now
    stream.reset();            // 0: end of stream, -1: error (the guest went away)
    return false;
  }
  return true;
}

// The debug shell's console as a TerminalStream. It keeps its own reference to the stream's
// connection (virStream does), so it may outlive nothing but must be dropped before destroy().
class LibvirtTerminal : public TerminalStream {
 public:
  explicit LibvirtTerminal(VirStream stream) : stream_(std::move(stream)) {}
  bool read(std::string& out) override { return drain(stream_, out); }
  bool write(std::string_view data) override {
    size_t sent = 0;
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    while (stream_ && sent < data.size()) {
      int n = virStreamSend(stream_.get(), data.data() + sent, data.size() - sent);
      if (n > 0) {
        sent += static_cast<size_t>(n);
      } else if (n == -2 && Clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      } else {
        return false;
      }
    }
    return sent == data.size();
  }

 private:
  VirStream stream_;
};

// libvirt names a domain's consoles by index; the first is the serial console's twin.
constexpr const char* kShellConsole = "console1";
// QEMU's id of the serial port's character device, as libvirt names it.
constexpr const char* kSerialChardev = "charserial0";

}  // namespace

LibvirtGuest::LibvirtGuest(virConnectPtr conn, VirDomain domain, std::string xml,
                           std::filesystem::path qemu_log, bool remove_log, bool shell_console)
    : domain_(std::move(domain)),
      xml_(std::move(xml)),
      qemu_log_(std::move(qemu_log)),
      remove_log_(remove_log) {
  console_.reset(virStreamNew(conn, VIR_STREAM_NONBLOCK));
  channel_.reset(virStreamNew(conn, VIR_STREAM_NONBLOCK));
  if (!console_ || !channel_)
    throw InfraError("libvirt: cannot create streams: " + libvirt_error());
  if (virDomainOpenConsole(domain_.get(), nullptr, console_.get(), VIR_DOMAIN_CONSOLE_FORCE) < 0) {
    std::string why = libvirt_error();
    destroy(std::chrono::seconds(10));
    throw InfraError("libvirt: cannot open the serial console: " + why);
  }
  if (virDomainOpenChannel(domain_.get(), protocol::kPortName, channel_.get(),
                           VIR_DOMAIN_CHANNEL_FORCE) < 0) {
    std::string why = libvirt_error();
    destroy(std::chrono::seconds(10));
    throw InfraError("libvirt: cannot open the agent channel: " + why);
  }
  if (shell_console) {
    // Before the guest runs, like the others: the first prompt is not lost.
    shell_.reset(virStreamNew(conn, VIR_STREAM_NONBLOCK));
    if (!shell_ || virDomainOpenConsole(domain_.get(), kShellConsole, shell_.get(),
                                        VIR_DOMAIN_CONSOLE_FORCE) < 0) {
      std::string why = libvirt_error();
      destroy(std::chrono::seconds(10));
      throw InfraError("libvirt: cannot open the shell console: " + why);
    }
  }
  if (virDomainResume(domain_.get()) < 0) {
    std::string why = libvirt_error();
    destroy(std::chrono::seconds(10));
    throw InfraError("libvirt: cannot resume the guest: " + why);
  }
}

LibvirtGuest::~LibvirtGuest() {
  // Safety net only: the runner destroys guests explicitly and records how that went.
  if (!destroyed_) destroy(std::chrono::seconds(10));
  if (remove_log_) {
    std::error_code ec;
    std::filesystem::remove(qemu_log_, ec);
  }
}

GuestOutput LibvirtGuest::poll(std::chrono::milliseconds wait) {
  GuestOutput out;
  const auto deadline = Clock::now() + wait;
  while (true) {
    bool console_open = drain(console_, out.console);
    bool channel_open = drain(channel_, out.channel);
    out.console_closed = !console_open;
    out.channel_closed = !channel_open;
    bool got = !out.console.empty() || !out.channel.empty();
    if (got || (!console_open && !channel_open) || Clock::now() >= deadline) return out;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

bool LibvirtGuest::send_channel(const std::string& data) {
  size_t sent = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (channel_ && sent < data.size()) {
    int n = virStreamSend(channel_.get(), data.data() + sent, data.size() - sent);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n == -2 && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    } else {
      return false;
    }
  }
  return sent == data.size();
}

// Why QEMU or libvirt paused the guest; for a disk I/O error, which disk and what error (QEMU
// stops the guest on ENOSPC by default rather than fail the guest's write).
std::string LibvirtGuest::pause_reason(int reason) {
  switch (reason) {
    case VIR_DOMAIN_PAUSED_IOERROR: {
      std::string why = "paused on a disk I/O error";
      virDomainDiskError errors[8];
      int n = virDomainGetDiskErrors(domain_.get(), errors, 8, 0);
      for (int i = 0; i < n; ++i) {
        const char* what = errors[i].error == VIR_DOMAIN_DISK_ERROR_NO_SPACE
                               ? "no space left on the host"
                           : errors[i].error == VIR_DOMAIN_DISK_ERROR_UNSPEC ? "I/O error"
                                                                             : "no error";
        why += std::string(i == 0 ? ": " : ", ") + (errors[i].disk ? errors[i].disk : "?") + ": " +
               what;
        std::free(errors[i].disk);
      }
      return why;
    }
    case VIR_DOMAIN_PAUSED_USER:
      return "paused by a user (virsh suspend?)";
    case VIR_DOMAIN_PAUSED_WATCHDOG:
      return "paused by a watchdog event";
    case VIR_DOMAIN_PAUSED_CRASHED:
      return "paused after a guest crash";
    case VIR_DOMAIN_PAUSED_SHUTTING_DOWN:
      return "paused while shutting down";
    case VIR_DOMAIN_PAUSED_STARTING_UP:
      return "paused while starting up";
    default:
      return "paused (libvirt reason " + std::to_string(reason) + ")";
  }
}

GuestState LibvirtGuest::state() {
  state_detail_.clear();
  if (destroyed_) return GuestState::Shutoff;
  int state = 0, reason = 0;
  // A failed query says nothing about the guest (a libvirt connection that hiccuped): Unknown,
  // which the runner never takes for an ending.
  if (virDomainGetState(domain_.get(), &state, &reason, 0) < 0) {
    state_detail_ = "libvirt cannot tell the guest's state: " + libvirt_error();
    return GuestState::Unknown;
  }
  switch (state) {
    case VIR_DOMAIN_RUNNING:
    case VIR_DOMAIN_BLOCKED:
      return GuestState::Running;
    case VIR_DOMAIN_PAUSED:
      state_detail_ = pause_reason(reason);
      return GuestState::Paused;
    case VIR_DOMAIN_SHUTDOWN:
    case VIR_DOMAIN_SHUTOFF:
      return GuestState::Shutoff;
    case VIR_DOMAIN_CRASHED:
      return GuestState::Crashed;
    default:
      state_detail_ = "libvirt state " + std::to_string(state);
      return GuestState::Unknown;
  }
}

std::string LibvirtGuest::exit_detail() {
  if (qemu_log_.empty() || !std::filesystem::exists(qemu_log_)) return {};
  try {
    std::string log = read_file(qemu_log_);
    if (log.size() > 65536) log = log.substr(log.size() - 65536);
    return tail_lines(log, 8);
  } catch (const std::exception&) {
    return {};
  }
}

std::unique_ptr<TerminalStream> LibvirtGuest::take_shell() {
  if (!shell_) return nullptr;
  return std::make_unique<LibvirtTerminal>(std::move(shell_));
}

// The kernel's serial sysrq (CONFIG_MAGIC_SYSRQ_SERIAL, on in Debian's kernels and fuselab's):
// a BREAK on the console's UART, then the key within 5 s. Chosen over Alt+SysRq key presses
// (virDomainSendKey), which need an i8042 keyboard driver that fuselab's own kernels leave out.
// The guest must allow the function (the agent sets kernel.sysrq=1 in repro) and hold the
// console tty open (pid 1's stdio is /dev/console).
std::string LibvirtGuest::send_sysrq(char key) {
  if (destroyed_ || !console_) return "the serial console is closed";
  std::string cmd = std::string(R"({"execute":"chardev-send-break","arguments":{"id":")") +
                    kSerialChardev + "\"}}";
  char* reply = nullptr;
  if (virDomainQemuMonitorCommand(domain_.get(), cmd.c_str(), &reply, 0) < 0)
    return "QEMU monitor: chardev-send-break: " + libvirt_error();
  std::free(reply);
  // The BREAK and the key reach the UART by different paths (the monitor, the pty): let the
  // guest take the BREAK's interrupt first, or the key may be read before it.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto deadline = Clock::now() + std::chrono::seconds(2);
  while (true) {
    int n = virStreamSend(console_.get(), &key, 1);
    if (n == 1) return {};
    if (n != -2 || Clock::now() >= deadline) return "serial console: " + libvirt_error();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

namespace {

// One virDomainCoreDumpWithFormat call, run on its own thread: the call blocks until QEMU has
// written the whole dump, and the controller must be able to give up on it. The thread owns its
// domain reference and this state, so it may outlive the wait.
struct DumpCall {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  int rc = -1;
  int error_code = 0;
  std::string error;
};

std::shared_ptr<DumpCall> start_dump(virDomainPtr domain, const std::string& path, unsigned format,
                                     unsigned flags) {
  auto call = std::make_shared<DumpCall>();
  virDomainRef(domain);
  std::thread([call, domain, path, format, flags] {
    int rc = virDomainCoreDumpWithFormat(domain, path.c_str(), format, flags);
    int code = rc < 0 ? virGetLastErrorCode() : 0;
    std::string error = rc < 0 ? libvirt_error() : "";
    virDomainFree(domain);
    std::lock_guard lock(call->mu);
    call->done = true;
    call->rc = rc;
    call->error_code = code;
    call->error = std::move(error);
    call->cv.notify_all();
  }).detach();
  return call;
}

}  // namespace

DumpOutcome LibvirtGuest::dump_memory(const std::filesystem::path& file, DumpFormat format,
                                      std::chrono::seconds deadline,
                                      const std::atomic<bool>* stop) {
  // ELF needs nothing of QEMU's build. Of the kdump compressions zlib comes first; a QEMU built
  // without one refuses it, and the next is tried.
  static const std::pair<unsigned, const char*> kElf[] = {
      {VIR_DOMAIN_CORE_DUMP_FORMAT_RAW, "elf"},
  };
  static const std::pair<unsigned, const char*> kKdump[] = {
      {VIR_DOMAIN_CORE_DUMP_FORMAT_KDUMP_ZLIB, "kdump-zlib"},
      {VIR_DOMAIN_CORE_DUMP_FORMAT_KDUMP_LZO, "kdump-lzo"},
      {VIR_DOMAIN_CORE_DUMP_FORMAT_KDUMP_SNAPPY, "kdump-snappy"},
  };
  const std::span<const std::pair<unsigned, const char*>> kFormats =
      format == DumpFormat::Elf ? std::span<const std::pair<unsigned, const char*>>(kElf)
                                : std::span<const std::pair<unsigned, const char*>>(kKdump);
  DumpOutcome out;
  if (destroyed_) {
    out.error = "the guest is already destroyed";
    return out;
  }
  const auto end = Clock::now() + deadline;
  // Memory only (no device state: QEMU's dump-guest-memory, which the kdump formats need, and
  // for ELF the layout crash and drgn read rather than a migration stream);
  // O_DIRECT so that a GiB dump does not push the other cells' files out of the page cache,
  // dropped for a filesystem without O_DIRECT (tmpfs).
  unsigned flags = VIR_DUMP_MEMORY_ONLY | VIR_DUMP_BYPASS_CACHE;
  // libvirt opens the file itself, from its own working directory under a daemon.
  const std::string path = std::filesystem::absolute(file).string();
  size_t i = 0;
  while (i < kFormats.size()) {
    const auto& [code, name] = kFormats[i];
    auto call = start_dump(domain_.get(), path, code, flags);
    std::unique_lock lock(call->mu);
    while (!call->done && Clock::now() < end && !(stop && *stop))
      call->cv.wait_for(lock, std::chrono::milliseconds(200));
    if (!call->done) {
      lock.unlock();
      out.timed_out = true;
      out.error = stop && *stop ? "interrupted"
                                : "no dump after " + std::to_string(deadline.count()) + " s";
      // libvirt refuses to abort a memory-only dump on some versions: then the guest goes (the
      // cell was about to destroy it anyway), which ends QEMU's dump and so the call.
      if (virDomainAbortJob(domain_.get()) < 0) {
        out.error += "; abort refused (" + libvirt_error() + "), guest destroyed";
        destroy(std::chrono::seconds(10));
      } else {
        out.error += "; dump job aborted";
      }
      lock.lock();
      if (!call->cv.wait_for(lock, std::chrono::seconds(20), [&] { return call->done; }))
        out.error += "; libvirt still had not returned 20 s later (left behind)";
      return out;
    }
    if (call->rc == 0) {
      out.ok = true;
      out.format = name;
      out.error.clear();
      return out;
    }
    out.error = call->error;
    if ((flags & VIR_DUMP_BYPASS_CACHE) && (call->error.find("O_DIRECT") != std::string::npos ||
                                            call->error.find("direct") != std::string::npos)) {
      flags &= ~static_cast<unsigned>(VIR_DUMP_BYPASS_CACHE);
      continue;  // the same format again, through the page cache
    }
    const bool unsupported = call->error_code == VIR_ERR_OPERATION_UNSUPPORTED ||
                             call->error_code == VIR_ERR_ARGUMENT_UNSUPPORTED ||
                             call->error.find("dumpformat") != std::string::npos;
    if (!unsupported) return out;
    ++i;
  }
  return out;
}

void LibvirtGuest::destroy(std::chrono::seconds deadline) {
  if (destroyed_) return;
  destroyed_ = true;
  console_.reset();
  channel_.reset();
  shell_.reset();
  // A transient domain disappears once destroyed. libvirt itself escalates SIGTERM to SIGKILL;
  // we retry within the deadline in case the first attempt races with the guest's own power-off.
  const auto end = Clock::now() + deadline;
  while (true) {
    int state = 0, reason = 0;
    if (virDomainGetState(domain_.get(), &state, &reason, 0) < 0 || state == VIR_DOMAIN_SHUTOFF)
      return;
    if (virDomainDestroy(domain_.get()) == 0) return;
    // A transient guest that ended on its own meanwhile is gone or inactive: nothing to do.
    if (virGetLastErrorCode() == VIR_ERR_NO_DOMAIN || virDomainIsActive(domain_.get()) != 1) return;
    if (Clock::now() >= end) {
      spdlog::error("could not destroy guest {}: {}", virDomainGetName(domain_.get()),
                    libvirt_error());
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace fuselab
