// Parsing what the agent's monitor samples (guest-agent/src/memory_watch.h): PSI files and the
// "key value" counter files (memory.events, memory.oom_control, /proc/vmstat), as Linux writes
// them.
#include <gtest/gtest.h>

#include "monitor/memory_watch.h"

namespace fuselab::agent {
namespace {

TEST(AgentPsi, ParsesSomeAndFull) {
  PsiSample s;
  ASSERT_TRUE(
      parse_psi("some avg10=12.34 avg60=1.00 avg300=0.20 total=123456\n"
                "full avg10=0.50 avg60=0.00 avg300=0.00 total=789\n",
                s));
  EXPECT_DOUBLE_EQ(s.some.avg10, 12.34);
  EXPECT_EQ(s.some.total_us, 123456u);
  EXPECT_DOUBLE_EQ(s.full.avg10, 0.5);
  EXPECT_EQ(s.full.total_us, 789u);
}

TEST(AgentPsi, SomeOnlyAndGarbage) {
  PsiSample s;
  // Kernels before 5.13 print no "full" line for the cpu file; memory has both, but be lenient.
  ASSERT_TRUE(parse_psi("some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", s));
  EXPECT_TRUE(s.some.seen);
  EXPECT_FALSE(s.full.seen);
  EXPECT_FALSE(parse_psi("", s));
  EXPECT_FALSE(parse_psi("some avg10=abc total=1\n", s));
  EXPECT_FALSE(parse_psi("some avg10=1.0 total=-4\n", s));
  EXPECT_FALSE(parse_psi("hello\nworld", s));
}

TEST(AgentCounters, KeyedValues) {
  // cgroup v2 memory.events
  std::string events = "low 0\nhigh 0\nmax 17\noom 2\noom_kill 1\noom_group_kill 0\n";
  EXPECT_EQ(keyed_value(events, "oom_kill"), 1);
  EXPECT_EQ(keyed_value(events, "oom"), 2);  // not confused with oom_kill
  // cgroup v1 memory.oom_control
  EXPECT_EQ(keyed_value("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n", "oom_kill"), 3);
  EXPECT_EQ(keyed_value("oom_kill_disable 0\nunder_oom 0\n", "oom_kill"), -1);
  EXPECT_EQ(keyed_value("oom_kill x\n", "oom_kill"), -1);
}

TEST(AgentMemoryWatch, WithoutAGroupSaysSo) {
  MemoryWatch w("", false);
  w.sample();
  auto psi = w.psi_report();
  EXPECT_EQ(psi["group"]["absent"], "no tested memcg in this cell");
  // The system file is there (figures) or not (a reason): never both missing.
  EXPECT_TRUE(psi["system"].contains("samples") || psi["system"].contains("absent")) << psi.dump();
  EXPECT_EQ(w.oom_report()["group_oom_kills"], nullptr);
  EXPECT_EQ(w.oom_kills(), 0u);
}

TEST(AgentMemoryWatch, V1GroupHasNoPressureFile) {
  MemoryWatch w("/nonexistent-group", false);
  EXPECT_EQ(w.psi_report()["group"]["absent"], "cgroup v1 has no memory.pressure");
  EXPECT_NE(w.oom_report()["group_absent"].get<std::string>().find("/nonexistent-group"),
            std::string::npos);
}

}  // namespace
}  // namespace fuselab::agent
