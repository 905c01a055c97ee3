#include "stack_frame.h"

#include <cstddef>

#include "console_line.h"

namespace fuselab::console {
namespace {

bool is_symbol_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '$';
}

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// Length of "0x<hex>" at s, or 0.
std::size_t hex_len(std::string_view s) {
  if (s.size() < 3 || s[0] != '0' || s[1] != 'x') return 0;
  std::size_t i = 2;
  while (i < s.size() && is_hex(s[i])) ++i;
  return i == 2 ? 0 : i;
}

// Length of "+0xOFF/0xSIZE" at s, or 0.
std::size_t offset_len(std::string_view s) {
  if (s.empty() || s[0] != '+') return 0;
  std::size_t off = hex_len(s.substr(1));
  if (off == 0 || 1 + off >= s.size() || s[1 + off] != '/') return 0;
  std::size_t size = hex_len(s.substr(2 + off));
  return size == 0 ? 0 : 2 + off + size;
}

// Skips "[<ffffffff81000000>] " address prefixes of old kernels.
std::string_view skip_addresses(std::string_view s) {
  for (int n = 0; n < 2 && s.size() > 2 && s[0] == '[' && s[1] == '<'; ++n) {
    std::size_t end = s.find(">]");
    if (end > 20) break;  // npos (no "]") too
    s = trim(s.substr(end + 2));
  }
  return s;
}

// "func+0x1/0x2" at the start of s followed by end, " [module]" or " (...)": the function name.
std::optional<std::string_view> leading_symbol(std::string_view s, bool whole_line) {
  std::size_t i = 0;
  while (i < s.size() && is_symbol_char(s[i])) ++i;
  if (i == 0) return std::nullopt;
  std::size_t off = offset_len(s.substr(i));
  if (off == 0) return std::nullopt;
  std::string_view rest = s.substr(i + off);
  if (whole_line && !rest.empty() && rest[0] != ' ') return std::nullopt;
  return s.substr(0, i);
}

}  // namespace

std::optional<FrameLine> parse_frame_line(std::string_view text) {
  std::string_view s = skip_addresses(trim(text));
  FrameLine frame;
  if (s.size() > 2 && s[0] == '?' && s[1] == ' ') {
    frame.questionable = true;
    s = trim(s.substr(2));
  }
  auto name = leading_symbol(s, true);
  if (!name) return std::nullopt;
  frame.function = *name;
  return frame;
}

std::optional<std::string_view> parse_rip_line(std::string_view text) {
  std::string_view s = trim(text);
  if (s.substr(0, 4) != "RIP:" && s.substr(0, 3) != "IP:" && s.substr(0, 3) != "PC:") {
    return std::nullopt;
  }
  return find_symbol(s.substr(s.find(':') + 1));
}

std::optional<std::string_view> find_symbol(std::string_view text) {
  // Every '+' is tried once and the scan back over the name stops at the previous '+' try,
  // so the work is linear in the text.
  std::size_t floor = 0;
  for (std::size_t plus = text.find('+'); plus != std::string_view::npos;
       plus = text.find('+', plus + 1)) {
    std::size_t begin = plus;
    while (begin > floor && is_symbol_char(text[begin - 1])) --begin;
    floor = plus + 1;
    if (begin == plus || offset_len(text.substr(plus)) == 0) continue;
    return text.substr(begin, plus - begin);
  }
  return std::nullopt;
}

}  // namespace fuselab::console
