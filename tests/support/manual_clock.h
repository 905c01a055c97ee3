// A clock that moves only when someone sleeps on it: the runners' deadlines of seconds or minutes
// pass in microseconds of test time. Threads share it (a pool's workers each advance it).
#pragma once

#include <atomic>

#include "common/clock.h"

namespace fuselab::testing {

class ManualClock : public Clock {
 public:
  time_point now() const override { return time_point(duration(ticks_.load())); }
  void sleep_for(duration d) const override {
    if (d > duration::zero()) ticks_ += d.count();
  }
  void advance(duration d) const { sleep_for(d); }
  // Seconds since the epoch of this clock (its start).
  double seconds() const { return std::chrono::duration<double>(duration(ticks_.load())).count(); }

 private:
  mutable std::atomic<duration::rep> ticks_{0};
};

}  // namespace fuselab::testing
