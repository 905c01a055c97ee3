// A running libvirt domain with its console and agent-channel streams.
#pragma once

#include <filesystem>
#include <string>

#include "vm/backend.h"
#include "vm/libvirt_handles.h"

namespace fuselab {

class LibvirtGuest : public Guest {
 public:
  // Takes a domain created paused; opens both streams and then resumes it, so that no console
  // byte is lost. `qemu_log` is QEMU's own log (may be empty), removed with this object (after
  // the guest is destroyed) if `remove_log` (a daemon's log dir is not ours to fill).
  // `shell_console`: the domain has the debug shell's console (GuestSpec), opened here too.
  LibvirtGuest(virConnectPtr conn, VirDomain domain, std::string xml,
               std::filesystem::path qemu_log, bool remove_log = false, bool shell_console = false);
  ~LibvirtGuest() override;

  std::string description() const override { return xml_; }
  GuestOutput poll(std::chrono::milliseconds wait) override;
  bool send_channel(const std::string& data) override;
  GuestState state() override;
  std::string state_detail() override { return state_detail_; }
  std::string exit_detail() override;
  DumpOutcome dump_memory(const std::filesystem::path& file, DumpFormat format,
                          std::chrono::seconds deadline, const std::atomic<bool>* stop) override;
  void destroy(std::chrono::seconds deadline) override;
  std::unique_ptr<TerminalStream> take_shell() override;
  std::string send_sysrq(char key) override;

 private:
  std::string pause_reason(int reason);

  VirDomain domain_;
  VirStream console_;
  VirStream channel_;
  VirStream shell_;  // until take_shell()
  std::string xml_;
  std::filesystem::path qemu_log_;
  bool remove_log_ = false;
  std::string state_detail_;
  bool destroyed_ = false;
};

}  // namespace fuselab
