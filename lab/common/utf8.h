// Strict UTF-8 decoding, shared by the plan checks (which reject bad text) and the report
// writers (which clean guest text).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace fuselab {

// Length of the valid UTF-8 sequence at in[i] (i < in.size()) and its code point, or 0 when the
// bytes there are not one (overlong forms, surrogates and code points above U+10FFFF are
// invalid too).
std::size_t utf8_decode(std::string_view in, std::size_t i, char32_t& cp);

// C0 and C1 control characters and DEL: what a terminal acts on instead of showing.
inline bool is_control_code_point(char32_t cp) {
  return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0);
}

struct TextProblem {
  std::size_t offset;   // byte offset of the first bad byte
  bool invalid_utf8;    // else: a control character
  char32_t code_point;  // for a control character
};

// The first invalid UTF-8 sequence or control character in `in`, if any.
std::optional<TextProblem> find_text_problem(std::string_view in);

}  // namespace fuselab
