// The agent monitor's hung-task matcher on real first lines of kernel reports (6.1 and the lab's
// 7.2 kernel, from tests/data/evidence/ and the smoke plan's stall control).
#include <gtest/gtest.h>

#include "monitor/monitor.h"

namespace fuselab::agent {
namespace {

TEST(AgentMonitorHungTask, BothKernelFormsAreReports) {
  // 6.1 (Debian bookworm cloud kernel), the smoke plan's stall control.
  EXPECT_TRUE(is_hung_task_report("INFO: task fuselab-agent:61 blocked for more than 8 seconds."));
  // 7.2 (tests/data/evidence/hang-7.2-lab-v1-nested-unguarded.console.log, line 225).
  EXPECT_TRUE(is_hung_task_report(
      "INFO: task fuselab-agent:43 blocked in I/O wait for more than 8 seconds."));
}

TEST(AgentMonitorHungTask, OtherLinesAreNot) {
  EXPECT_FALSE(is_hung_task_report("      Not tainted 7.2.13 #2"));
  EXPECT_FALSE(is_hung_task_report("task:fuselab-agent   state:D stack:0     pid:43"));
  EXPECT_FALSE(is_hung_task_report("INFO: rcu_sched self-detected stall on CPU"));
  EXPECT_FALSE(is_hung_task_report("x INFO: task a:1 blocked for more than 8 seconds."));
  EXPECT_FALSE(is_hung_task_report(""));
}

}  // namespace
}  // namespace fuselab::agent
