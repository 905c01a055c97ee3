// Guest output is untrusted: the parser must survive garbage and stay linear on it.
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>

#include "console/kernel_report.h"

namespace fuselab {
namespace {

using Clock = std::chrono::steady_clock;

// Generous for a debug build on a slow CI machine; a quadratic parser takes minutes here.
constexpr auto kTimeBound = std::chrono::seconds(10);

template <typename F>
void expect_fast(const char* what, F&& f) {
  auto start = Clock::now();
  f();
  EXPECT_LT(Clock::now() - start, kTimeBound) << what;
}

TEST(ConsoleRobustness, RandomBytes) {
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int round = 0; round < 200; ++round) {
    std::string log(4096, '\0');
    for (char& c : log) c = static_cast<char>(byte(rng));
    (void)parse_console(log);
  }
}

TEST(ConsoleRobustness, RandomMixOfKernelFragments) {
  const char* pieces[] = {"[  1.0] ",
                          "INFO: task ",
                          "a:1",
                          " blocked for more than ",
                          "8 seconds",
                          "Call Trace:",
                          "<TASK>",
                          "</TASK>",
                          "<IRQ>",
                          "</IRQ>",
                          " ? ",
                          "f+0x1/0x2",
                          "RIP: 0010:",
                          "---[ end trace",
                          "Kernel panic - not syncing: ",
                          "Oops: ",
                          ": 0000 [#1]",
                          "WARNING: ",
                          "BUG: ",
                          "\n",
                          "\r",
                          "[  T1]",
                          "+0x",
                          "/0x",
                          " invoked oom-killer: ",
                          "Memory cgroup out of memory: Killed process ",
                          "1 (x)",
                          "watchdog: BUG: soft lockup - CPU#0 stuck for 1s! [x:1]",
                          "rcu: INFO: rcu_preempt self-detected stall on CPU"};
  std::mt19937 rng(777);
  std::uniform_int_distribution<std::size_t> pick(0, std::size(pieces) - 1);
  for (int round = 0; round < 300; ++round) {
    std::string log;
    for (int i = 0; i < 400; ++i) log += pieces[pick(rng)];
    for (const auto& r : parse_console(log)) {
      EXPECT_LE(r.frames.size(), 64u);
      EXPECT_LE(r.excerpt.size(), 16384u);
      EXPECT_LE(r.first_line, r.last_line);
    }
  }
}

TEST(ConsoleRobustness, VeryLongLines) {
  expect_fast("long lines", [] {
    std::string log;
    log += "[    1.0] WARNING: " + std::string(4 << 20, 'a') + "\n";
    log += std::string(4 << 20, '[') + "\n";
    log += std::string(4 << 20, '+') + "\n";
    log += "[ 1.0] INFO: task " + std::string(1 << 20, 'x') + " blocked for more than 1 seconds\n";
    std::string plus;
    for (int i = 0; i < (1 << 18); ++i) plus += "a+0x";
    log += "[ 1.0] WARNING: " + plus + "\n";
    auto reports = parse_console(log);
    for (const auto& r : reports) EXPECT_LE(r.title.size(), 160u);
  });
}

TEST(ConsoleRobustness, HundredThousandHeaders) {
  expect_fast("1e5 headers", [] {
    std::string log;
    for (int i = 0; i < 100000; ++i) {
      log += "[   25.271381] INFO: task allocfs:69 blocked for more than 8 seconds.\n";
    }
    auto reports = parse_console(log);
    EXPECT_EQ(reports.size(), 256u);  // kMaxReports
  });
}

TEST(ConsoleRobustness, HundredThousandFramesInOneReport) {
  expect_fast("1e5 frames", [] {
    std::string log =
        "[ 1.0] INFO: task a:1 blocked for more than 8 seconds.\n[ 1.0] Call Trace:\n";
    for (int i = 0; i < 100000; ++i) log += "[ 1.0]  shrink_folio_list+0x935/0xdb0\n";
    auto reports = parse_console(log);
    ASSERT_FALSE(reports.empty());
    EXPECT_LE(reports[0].frames.size(), 64u);
    EXPECT_LE(reports[0].last_line - reports[0].first_line + 1, 400u);
  });
}

TEST(ConsoleRobustness, EmptyAndDegenerateInputs) {
  EXPECT_TRUE(parse_console("").empty());
  EXPECT_TRUE(parse_console("\n\n\n").empty());
  EXPECT_TRUE(parse_console(std::string(1 << 16, '\0')).empty());
  EXPECT_TRUE(parse_console("[").empty());
  EXPECT_TRUE(parse_console("INFO: task ").empty());
  EXPECT_TRUE(parse_console("Kernel panic - not syncing: ").empty());  // no message: no header
  EXPECT_EQ(parse_console("Kernel panic - not syncing: x").size(), 1u);
}

}  // namespace
}  // namespace fuselab
