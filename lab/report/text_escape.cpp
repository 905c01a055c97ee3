#include "report/text_escape.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

#include "common/utf8.h"

namespace fuselab {
namespace {

constexpr std::string_view kEllipsis = "\xE2\x80\xA6";     // U+2026
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

std::string clean(std::string_view in, std::size_t max_bytes, bool one_line) {
  std::string out;
  out.reserve(std::min(in.size(), max_bytes));
  std::size_t i = 0;
  bool cut = false;
  while (i < in.size()) {
    char32_t cp = 0;
    std::size_t len = utf8_decode(in, i, cp);
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
