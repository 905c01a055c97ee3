#include "console_line.h"

#include <cstddef>

#include "console_limits.h"

namespace fuselab::console {
namespace {

// A timestamp or caller id is never longer than this; bounds the work per '[' on garbage lines.
constexpr std::size_t kMaxPrefixBytes = 40;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Length of "[ *digits.digits]" at the start of s, or 0.
std::size_t timestamp_len(std::string_view s) {
  s = s.substr(0, kMaxPrefixBytes);
  std::size_t i = 0;
  if (i >= s.size() || s[i] != '[') return 0;
  ++i;
  while (i < s.size() && s[i] == ' ') ++i;
  std::size_t digits = 0;
  while (i < s.size() && is_digit(s[i])) ++i, ++digits;
  if (digits == 0 || i >= s.size() || s[i] != '.') return 0;
  ++i;
  digits = 0;
  while (i < s.size() && is_digit(s[i])) ++i, ++digits;
  if (digits == 0 || i >= s.size() || s[i] != ']') return 0;
  return i + 1;
}

// Length of a CONFIG_PRINTK_CALLER id "[  T123]" / "[    C0]" at the start of s, or 0.
std::size_t caller_len(std::string_view s) {
  s = s.substr(0, kMaxPrefixBytes);
  std::size_t i = 0;
  if (i >= s.size() || s[i] != '[') return 0;
  ++i;
  while (i < s.size() && s[i] == ' ') ++i;
  if (i >= s.size() || (s[i] != 'T' && s[i] != 'C')) return 0;
  ++i;
  std::size_t digits = 0;
  while (i < s.size() && is_digit(s[i])) ++i, ++digits;
  if (digits == 0 || i >= s.size() || s[i] != ']') return 0;
  return i + 1;
}

// Length of a syslog level "<4>" at the start of s, or 0.
std::size_t level_len(std::string_view s) {
  if (s.size() < 3 || s[0] != '<') return 0;
  std::size_t i = 1;
  while (i < s.size() && i < 5 && is_digit(s[i])) ++i;
  if (i == 1 || i >= s.size() || s[i] != '>') return 0;
  return i + 1;
}

// Searching for a timestamp inside foreign output stops this far into the line.
constexpr std::size_t kTimestampSearchBytes = 256;

}  // namespace

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

ConsoleLine split_console_line(std::string_view line) {
  if (line.size() > kMaxLineBytes) line = line.substr(0, kMaxLineBytes);
  while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  // A carriage return inside the line means the terminal overwrote what came before it.
  if (auto cr = line.rfind('\r'); cr != std::string_view::npos) line = line.substr(cr + 1);
  ConsoleLine out{line, line, false};
  std::size_t start = level_len(line);
  std::size_t ts = timestamp_len(line.substr(start));
  if (ts == 0) {
    std::size_t limit = line.size() < kTimestampSearchBytes ? line.size() : kTimestampSearchBytes;
    for (std::size_t i = 1; i < limit && ts == 0; ++i) {
      if (line[i] != '[') continue;
      ts = timestamp_len(line.substr(i));
      if (ts != 0) start = i;
    }
  }
  if (ts == 0) return out;
  std::string_view rest = line.substr(start + ts);
  rest.remove_prefix(caller_len(rest));
  if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  out.text = rest;
  out.kernel = true;
  return out;
}

}  // namespace fuselab::console
