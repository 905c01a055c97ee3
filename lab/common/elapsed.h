// Seconds since a steady-clock start, for the "built in 12.3 s" lines every cache builder logs.
#pragma once

#include <chrono>

namespace fuselab {

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace fuselab
