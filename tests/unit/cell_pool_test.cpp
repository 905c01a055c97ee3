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

TEST(CellPool, AdmitDecidesWhenATaskStartsBesideOthers) {
  std::atomic<bool> stop{false};
  std::atomic<int> running{0}, peak{0};
  std::atomic<int> asked_beside{0};
  std::mutex seen_mutex;
  std::vector<size_t> running_at_start;
  // Admit a task beside others only after a few asks: the pool must keep asking, and at most
  // `jobs` run at once.
  run_pool(
      6, 3, stop,
      [&](size_t) {
        int now = ++running;
        int seen = peak;
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(300ms);
        --running;
      },
      [](size_t, const PoolProgress&) {}, {},
      [&](size_t, size_t beside) {
        if (beside > 0 && ++asked_beside % 3 != 0) return false;
        std::lock_guard lock(seen_mutex);
        running_at_start.push_back(beside);
        return true;
      });
  EXPECT_EQ(running_at_start.size(), 6u);
  EXPECT_EQ(running_at_start.front(), 0u);
  EXPECT_GE(peak, 2);
  EXPECT_LE(peak, 3);
  EXPECT_GE(asked_beside, 3);
}

TEST(CellPool, AdmitNoKeepsTasksApart) {
  std::atomic<bool> stop{false};
  std::atomic<int> running{0};
  std::atomic<bool> overlap{false};
  run_pool(
      4, 4, stop,
      [&](size_t) {
        if (++running > 1) overlap = true;
        std::this_thread::sleep_for(30ms);
        --running;
      },
      [](size_t, const PoolProgress&) {}, {}, [](size_t, size_t beside) { return beside == 0; });
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

// Four workers, but the admit lets one task run at a time (a packed run that found no room):
// after the first of 4 tasks of 50 ms, about 3 x 50 ms remain, not a quarter of that.
TEST(CellPool, EtaCountsTheTasksThatRanAtOnceOnlyOnce) {
  std::atomic<bool> stop{false};
  std::vector<double> etas;
  run_pool(
      4, 4, stop, [](size_t) { std::this_thread::sleep_for(50ms); },
      [&](size_t, const PoolProgress& p) { etas.push_back(p.eta_s); }, nullptr,
      [](size_t, size_t running) { return running == 0; });
  ASSERT_EQ(etas.size(), 4u);
  EXPECT_GE(etas[0], 0.12);
  EXPECT_LE(etas[0], 0.5);
  EXPECT_EQ(etas[3], 0.0);
}

}  // namespace
}  // namespace fuselab
