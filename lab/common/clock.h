// The time the runners read and wait on, behind an interface so that their deadlines (boot,
// silence, cell, evidence, graces, drains) can be unit-tested on a clock that only moves when the
// test says so (tests/support/manual_clock.h), without really waiting.
#pragma once

#include <chrono>

namespace fuselab {

class Clock {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  using duration = std::chrono::steady_clock::duration;
  virtual ~Clock() = default;
  virtual time_point now() const = 0;
  virtual void sleep_for(duration d) const = 0;
};

// std::chrono::steady_clock and std::this_thread::sleep_for.
const Clock& steady_clock();

}  // namespace fuselab
