#include "verdict/verdict.h"

#include <gtest/gtest.h>

#include "common/paths.h"

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

TEST(Verdict, ByteMismatchIsFail) {
  EXPECT_EQ(decide_verdict(finished(true, false)).verdict, Verdict::Fail);
}

// The OOM killer ended the workload: the agent still sends a result (ok false), and the verdict
// is OOM whether the console's report or only the agent's memcg counter saw the kill.
TEST(Verdict, FailedResultWithMemcgOomReportIsOom) {
  auto obs = finished(false, false);
  obs.agent_error = {"workload", "writer killed by signal 9"};
  obs.reports.push_back(
      report(ReportKind::MemcgOom, "Memory cgroup out of memory: Killed process 212 (dd)"));
  auto d = decide_verdict(obs);
  EXPECT_EQ(d.verdict, Verdict::Oom);
  EXPECT_EQ(d.signature, "Memory cgroup out of memory: Killed process 212 (dd)");
}

TEST(Verdict, FailedResultWithAgentOomCounterIsOom) {
  auto obs = finished(false, false);
  obs.agent_error = {"oom",
                     "workload ended (killed by signal 9) after 1 OOM kill(s) in "
                     "/sys/fs/cgroup/memory/fuselab-1"};
  auto d = decide_verdict(obs);
  EXPECT_EQ(d.verdict, Verdict::Oom);
  EXPECT_NE(d.reason.find("1 OOM kill(s)"), std::string::npos);
}

TEST(Verdict, FinishedDespiteAnOomKillIsNotOom) {
  auto obs = finished();
  obs.reports.push_back(report(ReportKind::MemcgOom,
                               "Memory cgroup out of memory: Killed process 9 (fuselab-agent)"));
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
  obs.agent_error = {"pressure", "hog of 80 MiB does not fit the group's limit of 64 MiB"};
  auto d = decide_verdict(obs);
  EXPECT_EQ(d.verdict, Verdict::Fail);
  EXPECT_FALSE(d.retryable);
  EXPECT_NE(d.reason.find("cell setup failed: pressure: hog of 80 MiB"), std::string::npos)
      << d.reason;
}

TEST(Verdict, InterruptedIsNotRetried) {
  CellObservation obs;
  obs.end = CellEnd::Interrupted;
  EXPECT_FALSE(decide_verdict(obs).retryable);
}

TEST(Verdict, NamesRoundTrip) {
  for (auto v :
       {Verdict::Pass, Verdict::Slow, Verdict::Hang, Verdict::Stall, Verdict::Oom, Verdict::Crash,
        Verdict::BootError, Verdict::Warn, Verdict::Fail, Verdict::Infra, Verdict::Skip}) {
    EXPECT_EQ(verdict_from_string(to_string(v)), v);
  }
  EXPECT_EQ(to_string(Verdict::BootError), "BOOT_ERROR");
  EXPECT_FALSE(verdict_from_string("MAYBE"));
}

// The real log (shared/console-logs): the memcg OOM killer killed the writer, which then blocked
// at exit in writeback_single_inode while the server looped in reclaim_throttle; the agent's
// monitor reported no progress and the cell ended without a result. fuselab used to say OOM.
TEST(Verdict, OomKillThatResolvedNothingThenHungIsHangWithBothOutcomes) {
  CellObservation obs;
  obs.end = CellEnd::AgentStall;
  obs.hello_seen = true;
  obs.agent_stall = true;
  obs.reports = parse_console(read_file(std::string(FUSELAB_TEST_DATA) +
                                        "/console/oom-then-hung-7.2-ioflusher-unguarded.log"));
  ASSERT_GE(obs.reports.size(), 2u);
  EXPECT_EQ(obs.reports.front().kind, ReportKind::MemcgOom);
  auto d = decide_verdict(obs);
  EXPECT_EQ(d.verdict, Verdict::Hang) << d.reason;
  EXPECT_EQ(d.outcomes, (std::vector<Verdict>{Verdict::Oom, Verdict::Hang}));
  EXPECT_NE(d.reason.find("after an OOM kill that resolved nothing"), std::string::npos)
      << d.reason;
  EXPECT_NE(d.signature.find("INFO: task hung in"), std::string::npos) << d.signature;
}

TEST(Verdict, OomThenNoProgressWithoutHungReportIsStall) {
  CellObservation obs;
  obs.end = CellEnd::CellDeadline;
  obs.hello_seen = true;
  obs.reports.push_back(
      report(ReportKind::MemcgOom, "Memory cgroup out of memory: Killed process (dd)"));
  auto d = decide_verdict(obs);
  EXPECT_EQ(d.verdict, Verdict::Stall);
  EXPECT_EQ(d.outcomes, (std::vector<Verdict>{Verdict::Oom, Verdict::Stall}));
}

// An OOM kill that did end the workload (the agent sent its failed result) stays OOM.
TEST(Verdict, OomThatEndedTheWorkloadHasOneOutcome) {
  auto obs = finished(false, false);
  obs.reports.push_back(
      report(ReportKind::MemcgOom, "Memory cgroup out of memory: Killed process (dd)"));
  auto d = decide_verdict(obs);
  EXPECT_EQ(d.verdict, Verdict::Oom);
  EXPECT_EQ(d.outcomes, std::vector<Verdict>{Verdict::Oom});
}

TEST(Verdict, OutcomesFollowConsoleOrderWithTheVerdictLast) {
  auto obs = finished();
  obs.reports.push_back(
      report(ReportKind::MemcgOom, "Memory cgroup out of memory: Killed process (hog)"));
  obs.reports.push_back(report(ReportKind::HungTask, "INFO: task hung in fuse_flush"));
  obs.reports.push_back(report(ReportKind::HungTask, "INFO: task hung in fuse_flush"));
  auto d = decide_verdict(obs);
  EXPECT_EQ(d.verdict, Verdict::Slow);
  EXPECT_EQ(d.outcomes, (std::vector<Verdict>{Verdict::Oom, Verdict::Slow}));
  EXPECT_EQ(decide_verdict(finished()).outcomes, std::vector<Verdict>{Verdict::Pass});
}

// The host lost the guest or paused it: INFRA and retried, whatever the console shows.
TEST(Verdict, LostOrPausedGuestIsRetriedInfraNotAHang) {
  for (CellEnd end : {CellEnd::LostGuest, CellEnd::GuestPaused}) {
    CellObservation obs;
    obs.end = end;
    obs.hello_seen = true;
    obs.host_detail = "paused on a disk I/O error: vda: no space left on the host";
    obs.reports.push_back(report(ReportKind::HungTask, "INFO: task hung in shrink_folio_list"));
    auto d = decide_verdict(obs);
    EXPECT_EQ(d.verdict, Verdict::Infra) << to_string(end);
    EXPECT_TRUE(d.retryable);
    EXPECT_NE(d.reason.find("no space left on the host"), std::string::npos) << d.reason;
    EXPECT_EQ(d.outcomes, std::vector<Verdict>{Verdict::Infra});
  }
}

// A boot crash is INFRA (retried) once; the same again on the retry is the kernel's BOOT_ERROR,
// with its signature. Anything else after a boot crash (the flake: the retry booted) stands.
TEST(Verdict, BootCrashOnTheRetryTooIsBootError) {
  CellObservation obs;
  obs.end = CellEnd::PoweredOff;
  obs.reports.push_back(report(ReportKind::Panic,
                               "kernel panic: VFS: Unable to mount root fs on unknown-block(0,0)"));
  auto first = decide_verdict(obs);
  EXPECT_EQ(first.verdict, Verdict::Infra);
  EXPECT_TRUE(first.boot_crash);
  auto second = confirm_boot_error(first, decide_verdict(obs));
  EXPECT_EQ(second.verdict, Verdict::BootError);
  EXPECT_FALSE(second.retryable);
  EXPECT_EQ(second.signature, "kernel panic: VFS: Unable to mount root fs on unknown-block(0,0)");
  EXPECT_NE(second.reason.find("retry too"), std::string::npos) << second.reason;

  auto booted = confirm_boot_error(first, decide_verdict(finished()));
  EXPECT_EQ(booted.verdict, Verdict::Pass);
  // No crash before hello (the boot deadline): not a boot error, however often it repeats.
  CellObservation silent;
  silent.end = CellEnd::BootDeadline;
  auto none = confirm_boot_error(decide_verdict(silent), decide_verdict(silent));
  EXPECT_EQ(none.verdict, Verdict::Infra);
  EXPECT_TRUE(none.retryable);
  // Different titles on the two boots: still the kernel's (both crashed), both named.
  CellObservation other = obs;
  other.reports = {report(ReportKind::Oops, "Oops: int3 in sched_clock_cpu")};
  auto mixed = confirm_boot_error(decide_verdict(other), decide_verdict(obs));
  EXPECT_EQ(mixed.verdict, Verdict::BootError);
  EXPECT_NE(mixed.reason.find("first attempt: Oops: int3 in sched_clock_cpu"), std::string::npos)
      << mixed.reason;
}

// The stage decides, not the text: a workload error whose detail mentions "oom: " is no OOM.
TEST(Verdict, AgentErrorStageDecidesNotItsText) {
  auto obs = finished(false, false);
  obs.agent_error = {"workload", "oom: not really"};
  EXPECT_EQ(decide_verdict(obs).verdict, Verdict::Fail);
  obs.agent_error = {"oom", ""};
  EXPECT_EQ(decide_verdict(obs).verdict, Verdict::Oom);
  EXPECT_EQ((AgentError{"spec", "unknown key"}.text()), "spec: unknown key");
  EXPECT_EQ((AgentError{"", "agent speaks protocol 2, host speaks 1"}.text()),
            "agent speaks protocol 2, host speaks 1");
}

TEST(Verdict, PrebootSkipIsSkipWithTheReason) {
  auto d = decide_preboot_skip("kernel 6.12 has no cgroup v1 memory controller");
  EXPECT_EQ(d.verdict, Verdict::Skip);
  EXPECT_EQ(d.reason, "kernel 6.12 has no cgroup v1 memory controller");
  EXPECT_FALSE(d.retryable);
}

TEST(Verdict, RunnerFailureIsInfraNotRetried) {
  auto d = decide_runner_failure("No space left on device");
  EXPECT_EQ(d.verdict, Verdict::Infra);
  EXPECT_EQ(d.reason, "host error: No space left on device");
  EXPECT_FALSE(d.retryable);
}

TEST(VerdictNames, EveryVerdictRoundTripsThroughItsName) {
  for (const auto& [verdict, name] : kVerdictNames) {
    EXPECT_EQ(to_string(verdict), name);
    EXPECT_EQ(verdict_from_string(name), verdict);
  }
  EXPECT_EQ(verdict_from_string("BOGUS"), std::nullopt);
}

}  // namespace
}  // namespace fuselab
