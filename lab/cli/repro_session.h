// fuselab repro's side of the held guest: the user's terminal bridged to the guest's debug shell
// (--shell), the escape key's commands (terminal_keys.h), host sysrq, and the serial console's
// view. The bridge is a thread of its own (keys and shell output must not wait for the runner's
// poll); sysrq goes through the runner's thread (poll), which owns the serial console stream.
#pragma once

#include <termios.h>

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cli/terminal_keys.h"
#include "run/cell_runner.h"

namespace fuselab {

// The terminal's mode while a repro holds it, restored by the destructor on every way out.
// Raw (--shell): every key, Ctrl-C and Ctrl-Z included, goes to the guest's shell. Keys
// (without --shell): keys one by one without echo, Ctrl-C still ends the repro.
class TerminalMode {
 public:
  static std::optional<TerminalMode> enter(int fd, bool raw);
  TerminalMode(TerminalMode&& other) noexcept;
  TerminalMode& operator=(TerminalMode&&) = delete;
  TerminalMode(const TerminalMode&) = delete;
  ~TerminalMode();
  bool raw() const { return raw_; }

 private:
  TerminalMode(int fd, bool raw, const termios& saved);
  int fd_ = -1;
  bool raw_ = false;
  std::vector<unsigned char> saved_;  // struct termios, kept opaque here
};

class ReproSession : public GuestSession {
 public:
  // `stop`: set when the user quits with the escape key (the process's stop request).
  ReproSession(bool shell, std::atomic<bool>& stop);
  ~ReproSession() override;
  ReproSession(const ReproSession&) = delete;
  ReproSession& operator=(const ReproSession&) = delete;

  // The serial console's bytes (CellRunOptions::console_tee), on the runner's thread.
  void console(std::string_view bytes);
  void started(Guest& guest) override;
  void poll(Guest& guest) override;
  void stopping() override;

 private:
  void bridge();
  void on_key(const KeyAction& action);
  void write_out(std::string_view bytes);
  void note(const std::string& text);

  const bool shell_mode_;
  std::atomic<bool>& stop_;
  std::optional<TerminalMode> mode_;
  std::unique_ptr<TerminalStream> shell_;  // the bridge thread's only
  std::thread thread_;
  std::atomic<bool> quit_thread_{false};
  std::mutex out_mutex_;  // the terminal: shell output, console, notes
  std::mutex sysrq_mutex_;
  std::vector<char> sysrq_pending_;  // keys for poll() to send
  std::atomic<bool> show_console_{true};
  std::atomic<bool> shell_seen_{false};
  ConsoleView view_;
  EscapeKeys keys_;
  bool reading_keys_ = false;
};

}  // namespace fuselab
