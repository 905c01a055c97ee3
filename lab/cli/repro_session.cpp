#include "cli/repro_session.h"

#include <fmt/format.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>

#include "cli/repro_command.h"  // terminal_safe

namespace fuselab {
namespace {

void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    // The terminal may be gone (a closed ssh session): the run goes on, its files keep all.
    if (n <= 0) return;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

TerminalMode::TerminalMode(int fd, bool raw, const termios& saved) : fd_(fd), raw_(raw) {
  saved_.resize(sizeof saved);
  std::memcpy(saved_.data(), &saved, sizeof saved);
}

TerminalMode::TerminalMode(TerminalMode&& other) noexcept
    : fd_(other.fd_), raw_(other.raw_), saved_(std::move(other.saved_)) {
  other.fd_ = -1;
}

std::optional<TerminalMode> TerminalMode::enter(int fd, bool raw) {
  struct termios saved {};
  if (!isatty(fd) || tcgetattr(fd, &saved) != 0) return std::nullopt;
  struct termios t = saved;
  if (raw) {
    cfmakeraw(&t);
  } else {
    t.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
  }
  t.c_cc[VMIN] = 1;
  t.c_cc[VTIME] = 0;
  if (tcsetattr(fd, TCSANOW, &t) != 0) return std::nullopt;
  return TerminalMode(fd, raw, saved);
}

TerminalMode::~TerminalMode() {
  if (fd_ < 0) return;
  struct termios saved {};
  std::memcpy(&saved, saved_.data(), sizeof saved);
  tcsetattr(fd_, TCSADRAIN, &saved);
}

ReproSession::ReproSession(bool shell, std::atomic<bool>& stop) : shell_mode_(shell), stop_(stop) {}

ReproSession::~ReproSession() { stopping(); }

void ReproSession::write_out(std::string_view bytes) {
  std::lock_guard lock(out_mutex_);
  write_all(STDOUT_FILENO, bytes);
}

void ReproSession::note(const std::string& text) {
  const bool raw = mode_ && mode_->raw();
  std::string out = raw ? "\r\n" : "\n";
  for (char c : "[fuselab] " + text) {
    if (c == '\n')
      out += raw ? "\r\n[fuselab] " : "\n[fuselab] ";
    else
      out += c;
  }
  out += raw ? "\r\n" : "\n";
  std::lock_guard lock(out_mutex_);
  write_all(STDERR_FILENO, out);
}

void ReproSession::console(std::string_view bytes) {
  if (!shell_mode_) {
    write_out(terminal_safe(bytes));
    return;
  }
  // Rendered even when hidden, so that a line shown later starts with its mark.
  std::string shown = view_.render(bytes);
  if (show_console_) write_out(shown);
}

void ReproSession::started(Guest& guest) {
  if (shell_mode_) shell_ = guest.take_shell();
  // Keys come from a terminal; with --shell from any stdin (a pipe may drive the shell too).
  reading_keys_ = shell_mode_ || isatty(STDIN_FILENO);
  if (!reading_keys_) return;
  if (auto mode = TerminalMode::enter(STDIN_FILENO, shell_mode_)) mode_.emplace(std::move(*mode));
  if (shell_mode_)
    note(shell_ ? "the guest's shell comes up here after boot; the serial console shows until "
                  "then. Ctrl-] ? lists the keys, Ctrl-] q quits"
                : "this guest has no shell console: keys only");
  else
    note("Ctrl-] ? lists the keys (sysrq from the host), Ctrl-] q or Ctrl-C quits");
  thread_ = std::thread([this] { bridge(); });
}

void ReproSession::on_key(const KeyAction& a) {
  using K = KeyAction::Kind;
  switch (a.kind) {
    case K::Forward:
      if (shell_ && !shell_->write(a.bytes)) note("cannot write to the guest's shell");
      break;
    case K::Quit:
      note("quitting: the guest is destroyed, its files stay");
      stop_ = true;
      break;
    case K::Sysrq: {
      std::lock_guard lock(sysrq_mutex_);
      sysrq_pending_.push_back(a.bytes[0]);
      break;
    }
    case K::ToggleConsole:
      show_console_ = !show_console_;
      note(show_console_ ? "serial console shown (lines marked \"console| \")"
                         : "serial console hidden (console.log keeps it all)");
      break;
    case K::Help:
      note(escape_help(shell_mode_));
      break;
    case K::Unknown:
      note(fmt::format("Ctrl-] {}: not a key of fuselab repro; Ctrl-] ? lists them",
                       terminal_safe(a.bytes)));
      break;
  }
}

// The bridge thread: keys from stdin, the shell's output to stdout, every 20 ms at worst.
void ReproSession::bridge() {
  bool stdin_open = true;
  char buf[4096];
  while (!quit_thread_) {
    pollfd p{STDIN_FILENO, POLLIN, 0};
    int ready = ::poll(&p, stdin_open ? 1 : 0, 20);
    if (ready > 0 && stdin_open) {
      ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
      if (n > 0) {
        for (const auto& action : keys_.feed(std::string_view(buf, static_cast<size_t>(n))))
          on_key(action);
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        stdin_open = false;  // end of input: the guest stays up until Ctrl-C
      }
    }
    if (!shell_) continue;
    std::string got;
    bool open = shell_->read(got);
    if (!got.empty()) {
      if (!shell_seen_.exchange(true) && show_console_) {
        show_console_ = false;
        note("shell up; serial console hidden from here on (Ctrl-] c shows it)");
      }
      write_out(got);  // the shell's own bytes: its line editing needs the escape sequences
    }
    if (!open) {
      note("the guest's shell console closed");
      shell_.reset();
    }
  }
}

void ReproSession::poll(Guest& guest) {
  std::vector<char> keys;
  {
    std::lock_guard lock(sysrq_mutex_);
    keys.swap(sysrq_pending_);
  }
  for (char key : keys) {
    std::string problem = guest.send_sysrq(key);
    if (problem.empty() && shell_mode_ && !show_console_) {
      show_console_ = true;  // its answer is on the serial console
      note(fmt::format("sysrq {} sent; serial console shown (Ctrl-] c hides it)", key));
    } else {
      note(problem.empty() ? fmt::format("sysrq {} sent", key)
                           : fmt::format("sysrq {} not sent: {}", key, problem));
    }
  }
}

void ReproSession::stopping() {
  quit_thread_ = true;
  if (thread_.joinable()) thread_.join();
  shell_.reset();  // before the guest is destroyed
  mode_.reset();   // the terminal as it was
}

}  // namespace fuselab
