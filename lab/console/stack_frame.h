// Stack-trace lines: "func+0x1a/0x30", "? func+0x1a/0x30", "func+0x1a/0x30 [module]",
// "[<ffffffff8100>] func+0x1a/0x30" and "RIP: 0010:func+0x1a/0x30".
#pragma once

#include <optional>
#include <string_view>

namespace fuselab::console {

struct FrameLine {
  std::string_view function;
  bool questionable = false;  // printed with "? ": a stale return address, not a real caller
};

// A line that is only a stack frame (text after the printk prefix), else nullopt.
std::optional<FrameLine> parse_frame_line(std::string_view text);

// The function of a kernel "RIP: 0010:func+0x1a/0x30" line; nullopt for user RIPs ("0033:0x4").
std::optional<std::string_view> parse_rip_line(std::string_view text);

// The first "func+0xOFF/0xSIZE" token anywhere in text (a WARNING header names its site so).
std::optional<std::string_view> find_symbol(std::string_view text);

}  // namespace fuselab::console
