// `fuselab sysrq NAME w|t|m|l [--connect URI]`: a magic sysrq for a running guest from another
// terminal, without guest userspace (vm/host_sysrq.h). Inside `fuselab repro` the escape key
// does the same on any kernel (terminal_keys.h).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace fuselab {

class SysrqCommand {
 public:
  explicit SysrqCommand(CLI::App& app);
  bool selected() const { return sysrq_->parsed(); }
  int run();

 private:
  CLI::App* sysrq_ = nullptr;
  std::string name_, key_, uri_;
};

}  // namespace fuselab
