#include "cli/sysrq_command.h"

#include <iostream>

#include "cli/terminal_keys.h"
#include "common/error.h"
#include "vm/host_sysrq.h"

namespace fuselab {

SysrqCommand::SysrqCommand(CLI::App& app) {
  sysrq_ = app.add_subcommand(
      "sysrq", "send a magic sysrq to a running guest through a libvirt daemon (Alt+SysRq+KEY)");
  sysrq_->add_option("name", name_, "the guest's name (fuselab repro prints it)")->required();
  sysrq_->add_option("key", key_, "w (blocked tasks), t (all tasks), m (memory), l (CPUs)")
      ->required();
  sysrq_->add_option("--connect", uri_, "the libvirt daemon's URI, e.g. qemu:///system");
}

int SysrqCommand::run() {
  std::optional<unsigned> code = key_.size() == 1 ? sysrq_keycode(key_[0]) : std::nullopt;
  if (!code) throw UserError("sysrq key " + key_ + ": want one of w, t, m, l");
  press_sysrq_keys(uri_, name_, *code);
  std::cout << "sent Alt+SysRq+" << key_ << " to " << name_
            << " (its PS/2 keyboard: Debian's kernels act on it, fuselab's own kernel builds "
               "have no keyboard driver and ignore it; the output is on the guest's console)\n";
  return 0;
}

}  // namespace fuselab
