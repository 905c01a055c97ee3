#include "util/clock.h"

#include <time.h>

#include <cerrno>

namespace fuselab::agent {

double boot_time_s() {
  timespec ts{};
  clock_gettime(CLOCK_BOOTTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

void sleep_for(std::chrono::nanoseconds d) {
  timespec req{static_cast<time_t>(d.count() / 1'000'000'000),
               static_cast<long>(d.count() % 1'000'000'000)};
  while (nanosleep(&req, &req) != 0 && errno == EINTR) {
  }
}

}  // namespace fuselab::agent
