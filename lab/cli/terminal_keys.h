// fuselab repro's key bindings and console view, as pure logic (tests/unit/cli_terminal_keys_test).
// Ctrl-] is the escape key, as in telnet and virsh console; the key after it is a command:
//   q  quit (the guest is destroyed, its files kept)     w t m l  send that sysrq from the host
//   c  show/hide the serial console (--shell)             Ctrl-]   a literal Ctrl-] to the shell
//   ?  these keys
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fuselab {

inline constexpr char kEscapeKey = 0x1d;  // Ctrl-]

struct KeyAction {
  enum class Kind { Forward, Quit, Sysrq, ToggleConsole, Help, Unknown };
  Kind kind = Kind::Forward;
  std::string bytes;  // Forward: for the guest's shell; Sysrq/Unknown: the key
  bool operator==(const KeyAction&) const = default;
};

// Splits typed bytes into what goes to the guest and the commands after the escape key. The
// escape key may end one read and its command start the next: the state carries over.
class EscapeKeys {
 public:
  std::vector<KeyAction> feed(std::string_view typed);
  bool pending() const { return after_escape_; }  // the escape key came, its command not yet

 private:
  bool after_escape_ = false;
};

// The sysrq functions the repro binds: w (blocked tasks), t (all tasks), m (memory), l (CPUs'
// backtraces). `fuselab sysrq` takes the same letters.
bool is_bound_sysrq(char key);
// The Linux input keycode of a bound sysrq letter (for Alt+SysRq+key), none for others.
std::optional<unsigned> sysrq_keycode(char key);
inline constexpr unsigned kKeyLeftAlt = 56, kKeySysrq = 99;

// The help text of the escape key's commands, one line each (no trailing newline).
std::string escape_help(bool shell);

// Serial console text for a terminal that also shows the guest's shell (raw mode): every line
// is marked "console| " so it cannot pass for shell output, control bytes are shown as text
// (terminal_safe), and newlines become CR LF. Lines may span chunks: the state carries over.
class ConsoleView {
 public:
  std::string render(std::string_view chunk);

 private:
  bool at_line_start_ = true;
};

}  // namespace fuselab
