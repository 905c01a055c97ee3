#include "run/cell_packing.h"

#include <gtest/gtest.h>

#include "common/host_cpu.h"

namespace fuselab {
namespace {

using namespace std::chrono_literals;
using Clock = CellPacker::Clock;

// The head of this machine's /proc/stat (Debian 12, 6.1, 2 CPUs).
constexpr std::string_view kProcStat =
    "cpu  39066 0 3660 76602 408 0 74 33 0 0\n"
    "cpu0 19918 0 1920 37731 302 0 20 15 0 0\n"
    "cpu1 19148 0 1740 38871 105 0 54 18 0 0\n";

TEST(HostCpu, ParsesTheAggregateLine) {
  auto t = parse_proc_stat(kProcStat);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->idle, 76602u + 408u);
  EXPECT_EQ(t->total, 39066u + 3660u + 76602u + 408u + 74u + 33u);
}

TEST(HostCpu, RefusesWhatIsNotAProcStat) {
  EXPECT_FALSE(parse_proc_stat(""));
  EXPECT_FALSE(parse_proc_stat("cpu0 1 2 3 4\n"));
  EXPECT_FALSE(parse_proc_stat("cpu  1 2 x 4\n"));
  EXPECT_FALSE(parse_proc_stat("cpu  1 2 3\n"));
  EXPECT_FALSE(parse_proc_stat("cpu  18446744073709551615 1 0 0\n"));
  EXPECT_FALSE(parse_proc_stat("cpu  -1 2 3 4\n"));
}

TEST(HostCpu, IdleCoresBetweenTwoReadings) {
  EXPECT_DOUBLE_EQ(*idle_cores({100, 200}, {150, 300}, 2), 1.0);
  EXPECT_DOUBLE_EQ(*idle_cores({100, 200}, {100, 300}, 2), 0.0);
  EXPECT_FALSE(idle_cores({100, 200}, {100, 200}, 2));  // no time passed
  EXPECT_FALSE(idle_cores({100, 200}, {90, 300}, 2));   // counters went backwards
}

// A host of 2 CPUs for cells of 2 vCPUs: room for one, up to 4 beside idle guests.
struct PackerTest : ::testing::Test {
  PackingRules rules{2, 1, 4, 4000ms, 2000ms, 0.75};
  CellPacker packer{rules};
  Clock::time_point t0 = Clock::time_point{} + 1h;
  CpuTimes times{0, 0};

  // The host over `d`, with `idle_share` of its two CPUs idle, sampled every 200 ms as the pool
  // asks; the answer of the last ask.
  bool pass(std::chrono::milliseconds d, double idle_share, size_t running) {
    bool started = false;
    for (auto step = 0ms; step < d; step += 200ms) {
      t0 += 200ms;
      times.total += 40;  // 2 CPUs x 20 jiffies per 200 ms
      times.idle += static_cast<std::uint64_t>(40 * idle_share);
      started = packer.may_start(t0, times, 2, running);
      if (started) return true;
    }
    return started;
  }
};

TEST_F(PackerTest, TheFirstCellStartsAtOnce) { EXPECT_TRUE(packer.may_start(t0, times, 2, 0)); }

TEST_F(PackerTest, NothingStartsBesideABusyGuest) {
  ASSERT_TRUE(packer.may_start(t0, times, 2, 0));
  EXPECT_FALSE(pass(60s, 0.3, 1));  // 0.6 of 2 CPUs idle: below 1.5
}

TEST_F(PackerTest, AnIdleGuestGetsANeighbourAfterTheSettleTime) {
  ASSERT_TRUE(packer.may_start(t0, times, 2, 0));
  auto started_at = t0;
  EXPECT_TRUE(pass(10s, 0.95, 1));
  EXPECT_GE(t0 - started_at, rules.settle);
  EXPECT_NEAR(*packer.last_idle_cores(), 1.9, 0.01);
}

TEST_F(PackerTest, TheIdleWindowStartsAfterTheLastStart) {
  ASSERT_TRUE(packer.may_start(t0, times, 2, 0));
  EXPECT_TRUE(pass(10s, 1.0, 1));
  // The second guest boots: busy. Idle before it started must not count.
  EXPECT_FALSE(pass(3s, 0.2, 2));
  EXPECT_FALSE(pass(1000ms, 1.0, 2));  // busy half of the last 2 s
  EXPECT_TRUE(pass(3s, 1.0, 2));
}

TEST_F(PackerTest, NeverMoreThanMaxJobs) {
  ASSERT_TRUE(packer.may_start(t0, times, 2, 0));
  EXPECT_FALSE(pass(20s, 1.0, 4));
}

TEST_F(PackerTest, NoReadingPacksNothing) {
  ASSERT_TRUE(packer.may_start(t0, times, 2, 0));
  for (int i = 0; i < 100; ++i) {
    t0 += 200ms;
    EXPECT_FALSE(packer.may_start(t0, std::nullopt, 2, 1));
  }
}

TEST_F(PackerTest, RoomJobsStartWithoutMeasuring) {
  CellPacker roomy{PackingRules{8, 4, 8, 4000ms, 2000ms, 0.75}};
  for (size_t running = 0; running < 4; ++running)
    EXPECT_TRUE(roomy.may_start(t0, std::nullopt, 2, running));
  EXPECT_FALSE(roomy.may_start(t0, std::nullopt, 2, 4));
}

TEST_F(PackerTest, ASmallCellNeedsLessIdle) {
  ASSERT_TRUE(packer.may_start(t0, times, 2, 0));
  // 1 of 2 CPUs idle: enough for a 1-vCPU cell (0.75), not for a 2-vCPU one (1.5).
  EXPECT_FALSE(pass(6s, 0.5, 1));
  t0 += 200ms;
  times.total += 40;
  times.idle += 20;
  EXPECT_TRUE(packer.may_start(t0, times, 1, 1));
}

}  // namespace
}  // namespace fuselab
