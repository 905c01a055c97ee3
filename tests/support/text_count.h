// How often a test finds a piece of text in a page or log.
#pragma once

#include <cstddef>
#include <string>

namespace fuselab::testing {

// Occurrences of `needle` in `haystack`, overlapping ones included.
inline std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + 1)) {
    ++n;
  }
  return n;
}

}  // namespace fuselab::testing
