#include "common/utf8.h"

#include <cstdint>

namespace fuselab {

std::size_t utf8_decode(std::string_view in, std::size_t i, char32_t& cp) {
  const auto b = [&](std::size_t k) { return static_cast<std::uint8_t>(in[i + k]); };
  const std::uint8_t c = b(0);
  std::size_t len = 0;
  if (c < 0x80) {
    cp = c;
    return 1;
  } else if ((c & 0xE0) == 0xC0) {
    len = 2, cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3, cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4, cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > in.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(k) & 0x3F);
  }
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

std::optional<TextProblem> find_text_problem(std::string_view in) {
  for (std::size_t i = 0; i < in.size();) {
    char32_t cp = 0;
    std::size_t len = utf8_decode(in, i, cp);
    if (len == 0) return TextProblem{i, true, 0};
    if (is_control_code_point(cp)) return TextProblem{i, false, cp};
    i += len;
  }
  return std::nullopt;
}

}  // namespace fuselab
