// Splits untrusted guest bytes into lines with a hard bound on line length and buffered bytes:
// a guest that never sends a newline, or sends garbage, cannot make the host grow without limit.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace fuselab {

class LineSplitter {
 public:
  explicit LineSplitter(size_t max_line = 64UL * 1024) : max_line_(max_line) {}

  // Feeds bytes; returns the complete lines they finished (without '\n', '\r' stripped).
  // A line longer than max_line is cut there and counted in overlong().
  std::vector<std::string> feed(std::string_view bytes);
  // The unterminated rest, e.g. when the stream ends.
  std::string take_rest();
  size_t overlong() const { return overlong_; }

 private:
  size_t max_line_;
  std::string partial_;
  bool discarding_ = false;  // inside an overlong line: drop until its newline
  size_t overlong_ = 0;
};

}  // namespace fuselab
