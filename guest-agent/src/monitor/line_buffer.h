// A JSON line built in a fixed buffer, for the monitor: it must not allocate in its loop (the
// memory it would allocate is what the tested cell may have exhausted). Appends that do not fit
// set overflowed(); callers that add optional parts take a mark() and rollback() to keep the
// line valid JSON.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>

namespace fuselab::agent {

template <std::size_t N>
class LineBuffer {
 public:
  void clear() {
    size_ = 0;
    overflowed_ = false;
  }
  std::size_t mark() const { return size_; }
  void rollback(std::size_t mark) {
    size_ = mark;
    overflowed_ = false;
  }
  bool overflowed() const { return overflowed_; }
  std::size_t room() const { return N - size_; }
  std::string_view view() const { return {buf_, size_}; }

  LineBuffer& raw(std::string_view s) {
    if (s.size() > N - size_) {
      overflowed_ = true;
      return *this;
    }
    for (char c : s) buf_[size_++] = c;
    return *this;
  }

  LineBuffer& u64(std::uint64_t v) {
    char tmp[24];
    int n = std::snprintf(tmp, sizeof(tmp), "%llu", static_cast<unsigned long long>(v));
    return raw({tmp, static_cast<std::size_t>(n)});
  }

  LineBuffer& i64(long long v) {
    char tmp[24];
    int n = std::snprintf(tmp, sizeof(tmp), "%lld", v);
    return raw({tmp, static_cast<std::size_t>(n)});
  }

  LineBuffer& number(double v) {
    char tmp[32];
    int n = std::snprintf(tmp, sizeof(tmp), "%.3f", v);
    return raw({tmp, static_cast<std::size_t>(n)});
  }

  // A JSON string literal, quotes included; control and non-ASCII bytes are escaped (kernel
  // text is not guaranteed UTF-8).
  LineBuffer& str(std::string_view s) {
    raw("\"");
    for (unsigned char c : s) {
      if (c == '"' || c == '\\') {
        char esc[2] = {'\\', static_cast<char>(c)};
        raw({esc, 2});
      } else if (c == '\n') {
        raw("\\n");
      } else if (c < 0x20 || c >= 0x7f) {
        char esc[8];
        std::snprintf(esc, sizeof(esc), "\\u%04x", c);
        raw({esc, 6});
      } else {
        char one = static_cast<char>(c);
        raw({&one, 1});
      }
    }
    return raw("\"");
  }

  // `"key":`
  LineBuffer& key(std::string_view k) { return str(k).raw(":"); }

 private:
  char buf_[N];
  std::size_t size_ = 0;
  bool overflowed_ = false;
};

}  // namespace fuselab::agent
