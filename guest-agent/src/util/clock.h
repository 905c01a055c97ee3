// Clocks: protocol timestamps use CLOCK_BOOTTIME (seconds since guest boot); deadlines and
// durations use CLOCK_MONOTONIC.
#pragma once

#include <chrono>

namespace fuselab::agent {

using Clock = std::chrono::steady_clock;  // CLOCK_MONOTONIC on Linux

// Seconds since boot (CLOCK_BOOTTIME), the `t` of every message.
double boot_time_s();

// Sleeps for `d`, restarting after signals.
void sleep_for(std::chrono::nanoseconds d);

}  // namespace fuselab::agent
