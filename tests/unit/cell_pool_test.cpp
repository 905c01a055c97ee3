#include "run/cell_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace fuselab {
namespace {

using namespace std::chrono_literals;

TEST(CellPool, RunsEveryTaskOnceWithAtMostJobsAtATime) {
  std::atomic<int> running{0}, peak{0};
  std::vector<int> runs(12, 0);
  std::atomic<bool> stop{false};
  size_t last_done = 0;
  run_pool(
      runs.size(), 3, stop,
      [&](size_t i) {
        int now = ++running;
        int seen = peak;
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(20ms);
        ++runs[i];
        --running;
      },
      [&](size_t, const PoolProgress& p) { last_done = p.done; });
  for (int r : runs) EXPECT_EQ(r, 1);
  EXPECT_LE(peak, 3);
  EXPECT_GE(peak, 2);
  EXPECT_EQ(last_done, runs.size());
}

TEST(CellPool, ExclusiveTasksRunAlone) {
  std::atomic<int> running{0};
  std::atomic<bool> overlap{false};
  std::atomic<bool> stop{false};
  auto exclusive = [](size_t i) { return i == 3 || i == 4; };
  run_pool(
      8, 4, stop,
      [&](size_t i) {
        int now = ++running;
        if (exclusive(i) && now != 1) overlap = true;
        std::this_thread::sleep_for(20ms);
        if (exclusive(i) && running != 1) overlap = true;
        --running;
      },
      [](size_t, const PoolProgress&) {}, exclusive);
  EXPECT_FALSE(overlap);
}

TEST(CellPool, StopStartsNothingNew) {
  std::atomic<bool> stop{false};
  std::atomic<int> started{0};
  run_pool(
      10, 1, stop,
      [&](size_t) {
        ++started;
        stop = true;
      },
      [](size_t, const PoolProgress&) {});
  EXPECT_EQ(started, 1);
}

}  // namespace
}  // namespace fuselab
