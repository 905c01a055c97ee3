// Making untrusted text (guest console, kernel report titles, agent messages) safe to put into
// report files. Everything a guest prints is hostile until cleaned: it may hold invalid UTF-8,
// terminal escapes, NUL bytes, or markup meant to break out of XML, HTML or Markdown.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/xml_text.h"  // xml_escape(): for text cleaned first

namespace fuselab {

// Valid UTF-8 with no control characters except '\n' and '\t' ('\r' is dropped: consoles send
// CRLF). Invalid bytes become U+FFFD; characters XML 1.0 forbids (U+FFFE, U+FFFF) are dropped.
// At most `max_bytes` bytes, cut at a character boundary and ending in "…" when cut.
std::string clean_text(std::string_view in, std::size_t max_bytes = std::string::npos);

// clean_text() on one line: newlines and tabs become spaces.
std::string clean_line(std::string_view in, std::size_t max_bytes = std::string::npos);

// One path segment of a relative URL: RFC 3986 unreserved characters pass, everything else
// (including '/', '?', '#', ':' that would change the path or the scheme) is percent-encoded.
std::string url_segment(std::string_view in);

// For a Markdown table cell (GitHub flavour): one line, no raw HTML, no pipes, no emphasis or
// link syntax taken from the input.
std::string markdown_escape(std::string_view in, std::size_t max_bytes = 200);

}  // namespace fuselab
