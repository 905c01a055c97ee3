// The runner's liveness decisions (deadlines, power-off, interrupts, garbage from the guest) with a
// scripted fake guest. The real thing is exercised by tests/vm.
#include "run/cell_runner.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>

#include "common/paths.h"
#include "support/fake_guest.h"
#include "support/manual_clock.h"

namespace fuselab {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::FakeBackend;
using testing::ManualClock;

const std::string kHello = R"({"msg":"hello","t":2.5,"proto":1,"agent":"0.1","kernel":"6.1.0"})"
                           "\n";
const std::string kResult =
    R"({"msg":"result","t":4,"ok":true,"bytes_written":1048576,"server_bytes_written":1048576,"mib_per_s":99.0})"
    "\n";
const std::string kBye = R"({"msg":"bye","t":4.1})"
                         "\n";

class CellRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cell.id = "c";
    cell.workload.size_mib = 1;
    cell.boot_timeout_s = 1;
    cell.cell_timeout_s = 2;
    cell.silence_timeout_s = 60;
  }
  CellAttempt run() {
    return run_cell_attempt(backend, cell, BootArtifacts{}, "fl-test", dir.path() / "c", dir.path(),
                            stop, CellRunOptions{10ms, 300ms, 500ms});
  }
  TempDir dir{std::filesystem::temp_directory_path(), "fuselab-runner-"};
  FakeBackend backend;
  CellSpec cell;
  std::atomic<bool> stop{false};
};

TEST_F(CellRunnerTest, HelloRunResultByeIsPass) {
  backend.steps = {
      {0ms, "Linux version 6.1\n", "", false}, {50ms, "", kHello, false}, {400ms, "", "", true}};
  backend.on_run = kResult + kBye;
  auto a = run();
  EXPECT_EQ(a.decision.verdict, Verdict::Pass) << a.decision.reason;
  EXPECT_EQ(a.observation.end, CellEnd::AgentDone);
  EXPECT_GT(a.timing.boot_to_hello_s, 0.0);
  EXPECT_DOUBLE_EQ(a.timing.guest_uptime_at_hello_s, 2.5);
  EXPECT_EQ(backend.alive, 0);
  EXPECT_EQ(read_file(dir.path() / "c" / "console.log"), "Linux version 6.1\n");
  EXPECT_NE(read_file(dir.path() / "c" / "agent.jsonl").find("\"result\""), std::string::npos);
  EXPECT_EQ(backend.last_spec.cmdline.find("console=ttyS0"), 0u);
}

TEST_F(CellRunnerTest, NoHelloHitsTheBootDeadline) {
  backend.steps = {{0ms, "booting...\n", "", false}};
  auto start = Clock::now();
  auto a = run();
  EXPECT_EQ(a.observation.end, CellEnd::BootDeadline);
  EXPECT_EQ(a.decision.verdict, Verdict::Infra);
  EXPECT_LT(Clock::now() - start, 3s);
  EXPECT_EQ(backend.alive, 0);
  EXPECT_EQ(read_file(dir.path() / "c" / "console.log"), "booting...\n");  // console kept
}

TEST_F(CellRunnerTest, PowerOffWithoutResultIsInfraWithQemuDetail) {
  backend.steps = {{0ms, "", kHello, false}, {50ms, "", "", true}};
  auto a = run();
  EXPECT_EQ(a.observation.end, CellEnd::PoweredOff);
  EXPECT_EQ(a.decision.verdict, Verdict::Infra);
  EXPECT_EQ(a.observation.host_detail, "qemu said bye");
}

TEST_F(CellRunnerTest, HungTaskAndNoResultIsHang) {
  backend.steps = {{0ms, "", kHello, false},
                   {100ms,
                    "[   25.271381] INFO: task dd:69 blocked for more than 8 seconds.\n"
                    "[   25.272788] Call Trace:\n[   25.272790]  <TASK>\n"
                    "[   25.272800]  __schedule+0x2a0/0x800\n[   25.272801]  schedule+0x20/0x80\n"
                    "[   25.272802]  folio_wait_writeback+0x20/0x80\n[   25.272803]  "
                    "shrink_folio_list+0x100/0x900\n"
                    "[   25.272804]  </TASK>\n",
                    "", false}};
  auto a = run();
  EXPECT_EQ(a.observation.end, CellEnd::CellDeadline);
  EXPECT_EQ(a.decision.verdict, Verdict::Hang) << a.decision.reason;
  EXPECT_NE(a.decision.signature.find("shrink_folio_list"), std::string::npos)
      << a.decision.signature;
}

TEST_F(CellRunnerTest, GarbageFromTheGuestIsIgnored) {
  backend.steps = {{0ms, "", std::string(200000, 'x') + "\n{\"msg\":\n\xff\xfe\n" + kHello, false},
                   {300ms, "", "", true}};
  backend.on_run = "[[[[\n" + kResult + kBye;
  auto a = run();
  EXPECT_EQ(a.decision.verdict, Verdict::Pass) << a.decision.reason;
}

TEST_F(CellRunnerTest, StopFlagEndsTheCellAndDestroysTheGuest) {
  backend.steps = {{0ms, "", kHello, false}};
  stop = true;
  auto a = run();
  EXPECT_EQ(a.observation.end, CellEnd::Interrupted);
  EXPECT_EQ(backend.alive, 0);
}

TEST_F(CellRunnerTest, SilenceEndsTheCell) {
  cell.silence_timeout_s = 1;
  cell.cell_timeout_s = 30;
  backend.steps = {{0ms, "", kHello, false}};
  auto start = Clock::now();
  auto a = run();
  EXPECT_EQ(a.observation.end, CellEnd::Silence);
  EXPECT_EQ(a.decision.verdict, Verdict::Stall);
  EXPECT_LT(Clock::now() - start, 5s);
}

// Both streams closed while libvirt still says the domain runs (the connection dropped, or QEMU's
// chardevs went away): the host lost the guest. INFRA and retried, never the STALL or HANG the
// deadlines would otherwise turn it into, and no busy loop meanwhile.
TEST_F(CellRunnerTest, BothStreamsClosedWhileRunningIsALostConnection) {
  cell.silence_timeout_s = 1;
  cell.cell_timeout_s = 1;
  backend.steps = {{0ms, "", kHello, false}, {50ms, "", "", false, true}};
  auto start = Clock::now();
  auto a = run();
  EXPECT_EQ(a.observation.end, CellEnd::LostGuest);
  EXPECT_EQ(a.decision.verdict, Verdict::Infra) << a.decision.reason;
  EXPECT_TRUE(a.decision.retryable);
  EXPECT_NE(a.decision.reason.find("lost connection"), std::string::npos) << a.decision.reason;
  EXPECT_NE(a.observation.host_detail.find("while the domain is running"), std::string::npos);
  EXPECT_LT(Clock::now() - start, 3s);
  EXPECT_LT(backend.polls, 200);  // 500 ms blind at a 10 ms interval: about 50 polls
  EXPECT_EQ(backend.alive, 0);
}

// The same, with a hung-task report already on the console: losing the guest afterwards does not
// make the report the cell's ending (the workload might have finished; nobody could see).
TEST_F(CellRunnerTest, LostConnectionAfterAHungTaskReportIsStillInfra) {
  cell.cell_timeout_s = 30;
  backend.steps = {
      {0ms, "", kHello, false},
      {20ms, "[   25.2] INFO: task dd:69 blocked for more than 8 seconds.\n", "", false},
      {60ms, "", "", false, true}};
  auto a = run();
  EXPECT_EQ(a.decision.verdict, Verdict::Infra) << a.decision.reason;
  EXPECT_EQ(a.observation.end, CellEnd::LostGuest);
  EXPECT_EQ(a.decision.outcomes, std::vector<Verdict>{Verdict::Infra});
}

// A guest powering off closes its streams a moment before libvirt reports it shut off: inside the
// grace that is a power-off, not a lost connection.
TEST_F(CellRunnerTest, StreamsClosingJustBeforeShutoffIsAPowerOff) {
  backend.steps = {{0ms, "", kHello, false}, {50ms, "", "", false, true}, {150ms, "", "", true}};
  auto a = run();
  EXPECT_EQ(a.observation.end, CellEnd::PoweredOff);
  EXPECT_EQ(a.observation.host_detail, "qemu said bye");
}

// A failed virDomainGetState is not "shut off": while output flows the cell goes on and ends the
// normal way.
TEST_F(CellRunnerTest, UnknownStateForAMomentIsNotAnEnding) {
  backend.steps = {{0ms, "", kHello, false},
                   {20ms, "", "", false, false, GuestState::Unknown,
                    "libvirt cannot tell the guest's state: timeout"},
                   {200ms, "", "", false, false, GuestState::Running}};
  backend.on_run = kResult + kBye;
  auto a = run();
  EXPECT_EQ(a.observation.end, CellEnd::AgentDone);
  EXPECT_EQ(a.decision.verdict, Verdict::Pass) << a.decision.reason;
}

// ... and one that lasts is a lost guest, with libvirt's error as the reason.
TEST_F(CellRunnerTest, StateUnknownForLongIsALostGuestWithLibvirtsError) {
  cell.cell_timeout_s = 30;
  backend.steps = {{0ms, "", kHello, false},
                   {20ms, "", "", false, false, GuestState::Unknown,
                    "libvirt cannot tell the guest's state: timeout"}};
  auto a = run();
  EXPECT_EQ(a.observation.end, CellEnd::LostGuest);
  EXPECT_EQ(a.decision.verdict, Verdict::Infra);
  EXPECT_TRUE(a.decision.retryable);
  EXPECT_NE(a.decision.reason.find("libvirt cannot tell the guest's state: timeout"),
            std::string::npos)
      << a.decision.reason;
}

// QEMU pauses a guest whose disk write failed on the host (werror=enospc: a full /var/tmp): the
// silence and deadlines that follow are the host's doing. INFRA with the pause reason and the
// free space where the overlays live, not the HANG the cell deadline would have said.
TEST_F(CellRunnerTest, GuestPausedOnAHostDiskErrorIsInfraWithTheReason) {
  cell.cell_timeout_s = 1;
  cell.silence_timeout_s = 1;
  backend.steps = {
      {0ms, "", kHello, false},
      {20ms, "[   25.2] INFO: task dd:69 blocked for more than 8 seconds.\n", "", false},
      {40ms, "", "", false, false, GuestState::Paused,
       "paused on a disk I/O error: vda: no space left on the host"}};
  auto a = run();
  EXPECT_EQ(a.observation.end, CellEnd::GuestPaused);
  EXPECT_EQ(a.decision.verdict, Verdict::Infra) << a.decision.reason;
  EXPECT_NE(a.decision.reason.find("no space left on the host"), std::string::npos)
      << a.decision.reason;
  EXPECT_NE(a.decision.reason.find("free space under " + dir.path().string()), std::string::npos)
      << a.decision.reason;
  EXPECT_EQ(backend.alive, 0);
}

// A kernel that panics before the agent's hello: INFRA and retryable the first time, marked as a
// boot crash so that the retry can confirm it (tests/unit/verdict_test.cpp: BOOT_ERROR).
TEST_F(CellRunnerTest, PanicBeforeHelloIsARetryableBootCrash) {
  backend.steps = {
      {0ms,
       "[    1.1] Kernel panic - not syncing: Requested init /nonexistent failed (error -2).\n"
       "[    1.2] ---[ end Kernel panic - not syncing: Requested init /nonexistent failed (error "
       "-2). ]---\n",
       "", false},
      {30ms, "", "", true}};
  auto a = run();
  EXPECT_EQ(a.observation.end, CellEnd::KernelPanic);
  EXPECT_EQ(a.decision.verdict, Verdict::Infra);
  EXPECT_TRUE(a.decision.retryable);
  EXPECT_TRUE(a.decision.boot_crash);
  EXPECT_EQ(a.decision.signature, "kernel panic: Requested init /nonexistent failed (error -2).");
  // The panic explains the power-off: QEMU's log tail stays out of the reason.
  EXPECT_EQ(a.observation.host_detail, "");
  auto again = confirm_boot_error(a.decision, run().decision);
  EXPECT_EQ(again.verdict, Verdict::BootError);
  EXPECT_FALSE(again.retryable);
}

// libvirt says "shutting down" while QEMU still flushes the serial line: the panic's report
// arrives after the state changed, and must still decide the cell (seen on a quiet host:
// the BOOT_ERROR vm test read "powered-off" without a report).
TEST_F(CellRunnerTest, ConsoleThatArrivesAfterThePowerOffStateIsStillRead) {
  backend.steps = {
      {0ms, "[    1.0] Run /init as init process\n", "", false},
      {20ms, "", "", true},
      {150ms,
       "[    1.1] Kernel panic - not syncing: Requested init /nonexistent failed (error -2).\n"
       "[    1.2] ---[ end Kernel panic - not syncing: Requested init /nonexistent failed (error "
       "-2). ]---\n",
       "", false},
      {250ms, "", "", false, true}};
  auto a = run();
  EXPECT_EQ(a.observation.end, CellEnd::KernelPanic);
  EXPECT_TRUE(a.decision.boot_crash);
  EXPECT_EQ(a.decision.signature, "kernel panic: Requested init /nonexistent failed (error -2).");
}

// The memcg OOM killer killed the writer, which then blocked (hung-task report), and nothing
// finished by the deadline: HANG, with the OOM kept first in the outcomes.
TEST_F(CellRunnerTest, OomKillThatResolvesNothingThenHangIsHang) {
  backend.steps = {
      {0ms, "", kHello, false},
      {20ms,
       "[   12.0] Memory cgroup out of memory: Killed process 44 (fuselab-agent) total-vm:5248kB\n"
       "[   20.1] INFO: task fuselab-agent:44 blocked for more than 8 seconds.\n",
       "", false}};
  auto a = run();
  EXPECT_EQ(a.observation.end, CellEnd::CellDeadline);
  EXPECT_EQ(a.decision.verdict, Verdict::Hang) << a.decision.reason;
  EXPECT_EQ(a.decision.outcomes, (std::vector<Verdict>{Verdict::Oom, Verdict::Hang}));
  EXPECT_NE(a.decision.reason.find("OOM kill that resolved nothing"), std::string::npos)
      << a.decision.reason;
}

// The same runner on a manual clock, with the real default graces and deadlines: they are counted
// on the clock the runner is given, so minutes pass without waiting.
class CellRunnerClockTest : public CellRunnerTest {
 protected:
  CellAttempt run_on_clock() {
    CellRunOptions o;
    o.clock = &clock;
    return run_cell_attempt(fake, cell, BootArtifacts{}, "fl-test", dir.path() / "c", dir.path(),
                            stop, o);
  }
  // Simulated seconds of the attempt, and a bound on the real time it took.
  double cell_s(const CellAttempt& a) const { return a.timing.cell_s; }
  ManualClock clock;
  FakeBackend fake{clock, 100ms};
  Clock::time_point real_start = Clock::now();
  void TearDown() override { EXPECT_LT(Clock::now() - real_start, 2s) << "waited for real"; }
};

TEST_F(CellRunnerClockTest, BootDeadlineIsCountedOnTheGivenClock) {
  cell.boot_timeout_s = 60;
  cell.cell_timeout_s = 300;
  fake.steps = {{0ms, "booting...\n", "", false}};
  auto a = run_on_clock();
  EXPECT_EQ(a.observation.end, CellEnd::BootDeadline);
  EXPECT_NEAR(cell_s(a), 60.0, 0.3);
}

TEST_F(CellRunnerClockTest, PausedGuestEndsAfterTheThreeSecondGrace) {
  cell.cell_timeout_s = 300;
  fake.steps = {{0ms, "", kHello, false},
                {1s, "", "", false, false, GuestState::Paused, "paused on a disk I/O error"}};
  auto a = run_on_clock();
  EXPECT_EQ(a.observation.end, CellEnd::GuestPaused);
  EXPECT_NEAR(cell_s(a), 1.0 + 3.0, 0.3);
}

TEST_F(CellRunnerClockTest, EvidenceTimeAfterAStallEndsTheCell) {
  cell.cell_timeout_s = 300;
  cell.evidence_s = 10;
  fake.steps = {{0ms, "", kHello, false},
                {2s, "",
                 R"({"msg":"stall","t":5})"
                 "\n",
                 false}};
  for (int t = 3; t < 30; ++t) fake.steps.push_back({std::chrono::seconds(t), "tick\n", "", false});
  auto a = run_on_clock();
  EXPECT_EQ(a.observation.end, CellEnd::AgentStall);
  EXPECT_EQ(a.decision.verdict, Verdict::Stall);
  EXPECT_NEAR(cell_s(a), 2.0 + 10.0, 0.3);
}

// A report that says its trace follows: once the trace has ended, the console is quiet and
// nothing moved for confirm_s, the cell ends, well before evidence_s.
TEST_F(CellRunnerClockTest, HangEndsOnceItsEvidenceIsInAndNothingMoved) {
  cell.cell_timeout_s = 300;
  cell.evidence_s = 10;
  cell.confirm_s = 3;
  fake.steps = {{0ms, "", kHello, false},
                {1s, "",
                 R"({"msg":"progress","t":4,"bytes_done":1048576})"
                 "\n",
                 false},
                {2s, "[   5.0] INFO: task fuselab-agent:90 blocked for more than 8 seconds.\n",
                 R"({"msg":"hang","t":5,"trace":true,"bytes_done":1048576,)"
                 R"("server_bytes_written":1048576})"
                 "\n",
                 false},
                {2500ms, "[   5.1] sysrq: Show Blocked State\n",
                 R"({"msg":"trace","seq":0,"data":"x\n"})"
                 "\n"
                 R"({"msg":"trace_end","reason":"hang","bytes":2,"chunks":1})"
                 "\n",
                 false}};
  for (int t = 3; t < 30; ++t) {
    fake.steps.push_back(
        {std::chrono::seconds(t), "",
         R"({"msg":"progress","bytes_done":1048576,"server_bytes_written":1048576})"
         "\n",
         false});
  }
  auto a = run_on_clock();
  EXPECT_EQ(a.observation.end, CellEnd::AgentStall);
  EXPECT_EQ(a.decision.verdict, Verdict::Hang);
  EXPECT_NEAR(cell_s(a), 2.0 + 3.0, 0.3);
  EXPECT_NEAR(a.timing.evidence_s, 3.0, 0.3);
}

// The same report, but the writer moves again afterwards: slow, perhaps, so the whole evidence
// time; and a trace announced but never ended is waited for as before.
TEST_F(CellRunnerClockTest, ProgressAfterTheReportOrAMissingTraceEndKeepsTheWholeEvidenceTime) {
  cell.cell_timeout_s = 300;
  cell.evidence_s = 10;
  cell.confirm_s = 3;
  for (bool moves : {true, false}) {
    SCOPED_TRACE(moves ? "progress after the report" : "no trace_end");
    fake.steps = {{0ms, "", kHello, false},
                  {2s, "",
                   R"({"msg":"stall","t":5,"trace":true,"bytes_done":1048576,)"
                   R"("server_bytes_written":1048576})"
                   "\n",
                   false}};
    if (moves) {
      fake.steps.push_back({2500ms, "",
                            R"({"msg":"trace_end","reason":"stall","bytes":0,"chunks":0})"
                            "\n",
                            false});
    }
    for (int t = 3; t < 30; ++t) {
      const std::string bytes = std::to_string(moves ? (1 + t) << 20 : 1 << 20);
      fake.steps.push_back({std::chrono::seconds(t), "",
                            R"({"msg":"progress","bytes_done":)" + bytes +
                                R"(,"server_bytes_written":)" + bytes + "}\n",
                            false});
    }
    auto a = run_on_clock();
    EXPECT_EQ(a.observation.end, CellEnd::AgentStall);
    EXPECT_NEAR(cell_s(a), 2.0 + 10.0, 0.3);
  }
}

// A stall (no progress) report that came before the hung-task detector could have named a task
// keeps the whole evidence time, unless the monitor relays a hung task meanwhile; one that came
// after twice the detector's period ends early.
TEST_F(CellRunnerClockTest, StallEndsEarlyOnlyOnceAHungTaskCouldHaveBeenReported) {
  cell.cell_timeout_s = 300;
  cell.evidence_s = 10;
  cell.confirm_s = 3;
  cell.monitor.hung_task_timeout_secs = 5;
  struct Case {
    double since_progress_s;
    bool hang_follows;
    double cell_s;
  };
  for (const Case& c : {Case{5.2, false, 12.0}, Case{5.2, true, 5.0}, Case{10.5, false, 5.0}}) {
    SCOPED_TRACE(std::to_string(c.since_progress_s) + (c.hang_follows ? " then a hang" : ""));
    fake.steps = {{0ms, "", kHello, false},
                  {2s, "",
                   R"({"msg":"stall","t":5,"trace":true,"bytes_done":1048576,)"
                   R"("server_bytes_written":1048576,"since_progress_s":)" +
                       std::to_string(c.since_progress_s) + "}\n" +
                       R"({"msg":"trace_end","reason":"stall","bytes":0,"chunks":0})"
                       "\n",
                   false}};
    if (c.hang_follows) {
      fake.steps.push_back(
          {4s, "[   7.0] INFO: task fuselab-agent:90 blocked for more than 5 seconds.\n",
           R"({"msg":"hang","t":7,"trace":false,"bytes_done":1048576})"
           "\n",
           false});
    }
    auto a = run_on_clock();
    EXPECT_EQ(a.observation.end, CellEnd::AgentStall);
    // With the hang at 4 s: confirm_s after the stall at 2 s and 1 s of quiet console, 5 s.
    EXPECT_NEAR(cell_s(a), c.cell_s, 0.3);
  }
}

// After the guest reads as shut off, its streams are drained for at most 2 s: what arrives inside
// is read (the panic decides the cell), what comes later is not waited for.
TEST_F(CellRunnerClockTest, DrainAfterShutoffStopsAfterTwoSeconds) {
  fake.steps = {{0ms, "[    1.0] Run /init as init process\n", "", false},
                {1s, "", "", true},
                {2500ms,
                 "[    1.1] Kernel panic - not syncing: Requested init /x failed (error -2).\n"
                 "[    1.2] ---[ end Kernel panic - not syncing: Requested init /x failed (error "
                 "-2). ]---\n",
                 "", false},
                {5s, "late\n", "", false}};
  auto a = run_on_clock();
  EXPECT_EQ(a.observation.end, CellEnd::KernelPanic);
  EXPECT_TRUE(a.decision.boot_crash) << a.decision.reason;
  EXPECT_NEAR(cell_s(a), 1.0 + 2.0, 0.3);
  EXPECT_EQ(read_file(dir.path() / "c" / "console.log").find("late"), std::string::npos);
}

// The host ends the cell on the panic's last line, split over two console chunks, while the
// guest still runs (it would reboot only after panic=5 s): the console is whole, the cell short.
TEST_F(CellRunnerClockTest, PanicEndLineEndsTheCellBeforeTheReboot) {
  cell.boot_timeout_s = 60;
  fake.steps = {
      {0ms, "[    1.0] Run /init as init process\n", "", false},
      {1s,
       "[    1.1] Kernel panic - not syncing: Requested init /x failed (error -2).\n"
       "[    1.2] ---[ end Kernel pa",
       "", false},
      {1100ms, "nic - not syncing: Requested init /x failed (error -2). ]---\n", "", false},
      {1200ms, "trailing\n", "", false},
      {6s, "", "", true}};
  auto a = run_on_clock();
  EXPECT_EQ(a.observation.end, CellEnd::KernelPanic);
  EXPECT_TRUE(a.decision.boot_crash) << a.decision.reason;
  EXPECT_EQ(a.decision.signature, "kernel panic: Requested init /x failed (error -2).");
  EXPECT_NEAR(cell_s(a), 1.1 + 0.3, 0.25);  // the panic grace, not the reboot at 6 s
  EXPECT_NE(read_file(dir.path() / "c" / "console.log").find("trailing"), std::string::npos);
}

// 6.1 with panic=5 (tests/vm/cli_boot_error_test.cpp's guest) prints no "end Kernel panic" line,
// which panic() writes only when it will not reboot: "Rebooting in 5 seconds.." is its last.
TEST_F(CellRunnerClockTest, RebootingInLineEndsTheCellToo) {
  cell.boot_timeout_s = 60;
  fake.steps = {{0ms, "[    1.0] Run /init as init process\n", "", false},
                {1s,
                 "[    1.1] Kernel panic - not syncing: Requested init /x failed (error -2).\n"
                 "[    1.2] Kernel Offset: 0x10000000 from 0xffffffff81000000\n[    1.2] Reboo",
                 "", false},
                {1100ms, "ting in 5 seconds..\n", "", false},
                {6s, "", "", true}};
  auto a = run_on_clock();
  EXPECT_EQ(a.observation.end, CellEnd::KernelPanic);
  EXPECT_TRUE(a.decision.boot_crash) << a.decision.reason;
  EXPECT_NEAR(cell_s(a), 1.1 + 0.3, 0.25);
}

// The agent's error arrives as stage and detail, kept apart for the verdict.
TEST_F(CellRunnerClockTest, AgentErrorKeepsStageAndDetailApart) {
  fake.steps = {{0ms, "", kHello, false}};
  fake.on_run = R"({"msg":"error","stage":"pressure","detail":"hog of 80 MiB does not fit"})"
                "\n" +
                kBye;
  auto a = run_on_clock();
  EXPECT_EQ(a.observation.agent_error.stage, "pressure");
  EXPECT_EQ(a.observation.agent_error.detail, "hog of 80 MiB does not fit");
  EXPECT_EQ(a.decision.verdict, Verdict::Fail);
  EXPECT_EQ(a.decision.reason, "cell setup failed: pressure: hog of 80 MiB does not fit");
}

}  // namespace
}  // namespace fuselab
