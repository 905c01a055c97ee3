// One console line split into the kernel's printk prefix and the message.
#pragma once

#include <string_view>

namespace fuselab::console {

struct ConsoleLine {
  std::string_view raw;   // the line without '\r', cut to kMaxLineBytes
  std::string_view text;  // the message after "[    1.234567]" and "[  T123]", if present
  bool kernel = false;    // a printk timestamp was found
};

// Accepts "[    1.234567] msg", "[    1.234567][  T123] msg", "<4>[ 1.2] msg", and a timestamp
// preceded by other output on the same line ("Booting from ROM..[    0.000000] Linux version").
// Lines without a timestamp are returned whole as text (kernels without printk.time).
ConsoleLine split_console_line(std::string_view line);

std::string_view trim(std::string_view s);

}  // namespace fuselab::console
