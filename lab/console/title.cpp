// Titles that hold across kernels and boots: what syzkaller's report titles do with line numbers
// and addresses (pkg/report replaces them with LINE and ADDR), so that an expect_signature written
// against one build still matches the next.
#include <cstddef>
#include <string>
#include <string_view>

#include "kernel_report.h"

namespace fuselab {
namespace {

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_word(char c) {
  return is_hex(c) || (c >= 'g' && c <= 'z') || (c >= 'G' && c <= 'Z') || c == '_';
}

std::size_t hex_run(std::string_view s, std::size_t i) {
  while (i < s.size() && is_hex(s[i])) ++i;
  return i;
}

bool ends_with_source_file(const std::string& s) {
  for (std::string_view ext : {".c", ".h", ".S", ".rs"}) {
    if (s.ends_with(ext)) return true;
  }
  return false;
}

}  // namespace

std::string normalize_title(std::string_view t) {
  std::string out;
  out.reserve(t.size());
  for (std::size_t i = 0; i < t.size();) {
    const bool word_start = i == 0 || !is_word(t[i - 1]);
    // "foo+0x4d/0x50": the offset within a symbol differs between builds.
    if (t[i] == '+' && t.substr(i + 1, 2) == "0x") {
      std::size_t j = hex_run(t, i + 3);
      if (j > i + 3 && j < t.size() && t[j] == '/' && t.substr(j + 1, 2) == "0x") {
        std::size_t k = hex_run(t, j + 3);
        if (k > j + 3) {
          i = k;
          continue;
        }
      }
    }
    // "0xffff888003a1b000" and bare kernel addresses "ffffffff81234567".
    if (word_start && t.substr(i, 2) == "0x" && hex_run(t, i + 2) > i + 2) {
      out += "ADDR";
      i = hex_run(t, i + 2);
      continue;
    }
    if (word_start && hex_run(t, i) >= i + 12 &&
        (hex_run(t, i) == t.size() || !is_word(t[hex_run(t, i)]))) {
      out += "ADDR";
      i = hex_run(t, i);
      continue;
    }
    // "mm/filemap.c:1551" -> "mm/filemap.c:LINE".
    if (t[i] == ':' && i + 1 < t.size() && is_digit(t[i + 1]) && ends_with_source_file(out)) {
      out += ":LINE";
      for (++i; i < t.size() && is_digit(t[i]);) ++i;
      continue;
    }
    out += t[i++];
  }
  return out;
}

}  // namespace fuselab
