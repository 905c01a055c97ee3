#include "cli/terminal_keys.h"

#include "cli/repro_command.h"  // terminal_safe

namespace fuselab {

std::vector<KeyAction> EscapeKeys::feed(std::string_view typed) {
  std::vector<KeyAction> out;
  auto forward = [&](char c) {
    if (out.empty() || out.back().kind != KeyAction::Kind::Forward)
      out.push_back({KeyAction::Kind::Forward, {}});
    out.back().bytes += c;
  };
  for (char c : typed) {
    if (!after_escape_) {
      if (c == kEscapeKey)
        after_escape_ = true;
      else
        forward(c);
      continue;
    }
    after_escape_ = false;
    if (c == kEscapeKey)
      forward(c);
    else if (c == 'q' || c == 'Q' || c == '.')
      out.push_back({KeyAction::Kind::Quit, {}});
    else if (is_bound_sysrq(c))
      out.push_back({KeyAction::Kind::Sysrq, std::string(1, c)});
    else if (c == 'c')
      out.push_back({KeyAction::Kind::ToggleConsole, {}});
    else if (c == '?' || c == 'h')
      out.push_back({KeyAction::Kind::Help, {}});
    else
      out.push_back({KeyAction::Kind::Unknown, std::string(1, c)});
  }
  return out;
}

bool is_bound_sysrq(char key) { return sysrq_keycode(key).has_value(); }

std::optional<unsigned> sysrq_keycode(char key) {
  switch (key) {
    case 'w':
      return 17;  // KEY_W
    case 't':
      return 20;  // KEY_T
    case 'm':
      return 50;  // KEY_M
    case 'l':
      return 38;  // KEY_L
    default:
      return std::nullopt;
  }
}

std::string escape_help(bool shell) {
  std::string help =
      "Ctrl-] q  quit: destroy the guest, keep its files\n"
      "Ctrl-] w  sysrq w from the host: blocked (D-state) tasks and their stacks\n"
      "Ctrl-] t  sysrq t: every task's state and stack\n"
      "Ctrl-] m  sysrq m: memory state\n"
      "Ctrl-] l  sysrq l: backtraces of all active CPUs";
  if (shell)
    help +=
        "\nCtrl-] c  show or hide the serial console (lines marked \"console| \")"
        "\nCtrl-] Ctrl-]  a Ctrl-] for the guest";
  return help;
}

std::string ConsoleView::render(std::string_view chunk) {
  std::string out;
  for (char c : chunk) {
    if (c == '\r') continue;  // CR LF from the guest: one line end, written below
    if (at_line_start_) out += "console| ";
    at_line_start_ = false;
    if (c == '\n') {
      out += "\r\n";
      at_line_start_ = true;
    } else {
      out += terminal_safe(std::string_view(&c, 1));
    }
  }
  return out;
}

}  // namespace fuselab
