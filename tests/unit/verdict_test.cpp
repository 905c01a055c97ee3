#include "verdict/verdict.h"

#include <gtest/gtest.h>

namespace fuselab {
namespace {

KernelReport report(ReportKind kind, const std::string& title) {
  KernelReport r{};
  r.kind = kind;
  r.title = title;
  return r;
}

CellObservation finished(bool ok = true, bool match = true) {
  CellObservation obs;
  obs.end = CellEnd::AgentDone;
  obs.hello_seen = obs.result_seen = true;
  obs.result_ok = ok;
  obs.bytes_match = match;
  return obs;
}

TEST(Verdict, CleanFinishIsPass) { EXPECT_EQ(decide_verdict(finished()).verdict, Verdict::Pass); }

TEST(Verdict, ByteMismatchIsFail) { EXPECT_EQ(decide_verdict(finished(true, false)).verdict, Verdict::Fail); }

// The OOM killer ended the workload: the agent still sends a result (ok false), and the verdict
// is OOM whether the console's report or only the agent's memcg counter saw the kill.
TEST(Verdict, FailedResultWithMemcgOomReportIsOom) {
  auto obs = finished(false, false);
  obs.agent_error = "workload: writer killed by signal 9";
  obs.reports.push_back(report(ReportKind::MemcgOom, "Memory cgroup out of memory: Killed process 212 (dd)"));
  auto d = decide_verdict(obs);
  EXPECT_EQ(d.verdict, Verdict::Oom);
  EXPECT_EQ(d.signature, "Memory cgroup out of memory: Killed process 212 (dd)");
}

TEST(Verdict, FailedResultWithAgentOomCounterIsOom) {
  auto obs = finished(false, false);
  obs.agent_error = "oom: workload ended (killed by signal 9) after 1 OOM kill(s) in /sys/fs/cgroup/memory/fuselab-1";
  auto d = decide_verdict(obs);
  EXPECT_EQ(d.verdict, Verdict::Oom);
  EXPECT_NE(d.reason.find("1 OOM kill(s)"), std::string::npos);
}

TEST(Verdict, FinishedDespiteAnOomKillIsNotOom) {
  auto obs = finished();
  obs.reports.push_back(report(ReportKind::MemcgOom, "Memory cgroup out of memory: Killed process 9 (fuselab-agent)"));
  EXPECT_EQ(decide_verdict(obs).verdict, Verdict::Pass);
}

TEST(Verdict, HungReportButFinishedIsSlow) {
  auto obs = finished();
  obs.reports.push_back(report(ReportKind::HungTask, "INFO: task hung in shrink_folio_list"));
  auto d = decide_verdict(obs);
  EXPECT_EQ(d.verdict, Verdict::Slow);
  EXPECT_EQ(d.signature, "INFO: task hung in shrink_folio_list");
}

TEST(Verdict, HungReportAndDeadlineIsHang) {
  CellObservation obs;
  obs.end = CellEnd::CellDeadline;
  obs.hello_seen = true;
  obs.reports.push_back(report(ReportKind::HungTask, "INFO: task hung in shrink_folio_list"));
  EXPECT_EQ(decide_verdict(obs).verdict, Verdict::Hang);
}

TEST(Verdict, DeadlineWithoutReportIsStall) {
  CellObservation obs;
  obs.end = CellEnd::Silence;
  obs.hello_seen = true;
  EXPECT_EQ(decide_verdict(obs).verdict, Verdict::Stall);
}

TEST(Verdict, NoHelloIsRetryableInfraEvenWithAnOops) {
  CellObservation obs;
  obs.end = CellEnd::PoweredOff;
  obs.reports.push_back(report(ReportKind::Oops, "Oops: int3 in sched_clock_cpu"));
  auto d = decide_verdict(obs);
  EXPECT_EQ(d.verdict, Verdict::Infra);
  EXPECT_TRUE(d.retryable);
  EXPECT_EQ(decide_verdict(CellObservation{}).verdict, Verdict::Infra);
}

TEST(Verdict, CrashAfterBootIsCrash) {
  auto obs = finished();
  obs.reports.push_back(report(ReportKind::Bug, "kernel BUG in fuse_writepage"));
  EXPECT_EQ(decide_verdict(obs).verdict, Verdict::Crash);
}

TEST(Verdict, PowerOffWithoutResultIsInfra) {
  CellObservation obs;
  obs.end = CellEnd::PoweredOff;
  obs.hello_seen = true;
  auto d = decide_verdict(obs);
  EXPECT_EQ(d.verdict, Verdict::Infra);
  EXPECT_TRUE(d.retryable);
}

TEST(Verdict, HogThatCannotStartIsFailNotRetriedInfra) {
  CellObservation obs;
  obs.end = CellEnd::AgentDone;
  obs.hello_seen = true;
  obs.agent_error = "pressure: hog of 80 MiB does not fit the group's limit of 64 MiB";
  auto d = decide_verdict(obs);
  EXPECT_EQ(d.verdict, Verdict::Fail);
  EXPECT_FALSE(d.retryable);
  EXPECT_NE(d.reason.find("cell setup failed: pressure: hog of 80 MiB"), std::string::npos) << d.reason;
}

TEST(Verdict, InterruptedIsNotRetried) {
  CellObservation obs;
  obs.end = CellEnd::Interrupted;
  EXPECT_FALSE(decide_verdict(obs).retryable);
}

TEST(Verdict, NamesRoundTrip) {
  for (auto v : {Verdict::Pass, Verdict::Slow, Verdict::Hang, Verdict::Stall, Verdict::Oom, Verdict::Crash,
                 Verdict::Warn, Verdict::Fail, Verdict::Infra, Verdict::Skip}) {
    EXPECT_EQ(verdict_from_string(to_string(v)), v);
  }
  EXPECT_FALSE(verdict_from_string("MAYBE"));
}

}  // namespace
}  // namespace fuselab
