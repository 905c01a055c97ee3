#include "report/text_escape.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace fuselab {
namespace {

constexpr std::string_view kEllipsis = "\xE2\x80\xA6";     // U+2026
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence at in[i], or 0 when the bytes there are not one
// (overlong forms, surrogates and code points above U+10FFFF are invalid too).
std::size_t utf8_length(std::string_view in, std::size_t i, char32_t& cp) {
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

std::string clean(std::string_view in, std::size_t max_bytes, bool one_line) {
  std::string out;
  out.reserve(std::min(in.size(), max_bytes));
  std::size_t i = 0;
  bool cut = false;
  while (i < in.size()) {
    char32_t cp = 0;
    std::size_t len = utf8_length(in, i, cp);
    std::string_view piece = len ? in.substr(i, len) : kReplacement;
    i += len ? len : 1;
    if (cp == '\n' || cp == '\t') {
      piece = one_line ? " " : piece;
    } else if (len && (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || cp == 0xFFFE ||
                       cp == 0xFFFF)) {
      continue;  // control characters (C0, DEL, C1) and XML-forbidden code points
    }
    if (out.size() + piece.size() > max_bytes) {
      cut = true;
      break;
    }
    out += piece;
  }
  if (cut) {
    // The marker counts against the bound too: some consumers reject longer text (KCIDB's
    // log_excerpt), so drop whole characters until it fits.
    while (!out.empty() && out.size() + kEllipsis.size() > max_bytes) {
      while (!out.empty() && (static_cast<std::uint8_t>(out.back()) & 0xC0) == 0x80) out.pop_back();
      if (!out.empty()) out.pop_back();
    }
    if (kEllipsis.size() <= max_bytes) out += kEllipsis;
  }
  return out;
}

}  // namespace

std::string clean_text(std::string_view in, std::size_t max_bytes) {
  return clean(in, max_bytes, false);
}

std::string clean_line(std::string_view in, std::size_t max_bytes) {
  return clean(in, max_bytes, true);
}

std::string url_segment(std::string_view in) {
  std::string out;
  for (unsigned char ch : in) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out += '%';
      out += kHex[ch >> 4];
      out += kHex[ch & 0xF];
    }
  }
  // "." and ".." are unreserved but would name this folder or its parent.
  if (out == ".") return "%2E";
  if (out == "..") return "%2E%2E";
  return out;
}

std::string markdown_escape(std::string_view in, std::size_t max_bytes) {
  std::string out;
  for (char c : clean_line(in, max_bytes)) {
    switch (c) {
      // Entities, not backslashes: GitHub renders raw HTML tags, and a backslash does not stop
      // an entity or a tag.
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '|':
        out += "\\|";
        break;
      case '\\':
      case '`':
      case '*':
      case '_':
      case '[':
      case ']':
      case '~':
      case '#':
      case '!':
        out += '\\';
        out += c;
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace fuselab
