// The whole plan runner (run_plan) against the scripted fake guest, on a manual clock: how every
// ending of a cell lands in its result.json, INFRA retries, BOOT_ERROR, pre-boot SKIP, resume,
// shards, Ctrl-C and exit codes, read back from the files a run writes. No VM and no artifacts:
// the backend and the files cells boot are fakes (tests/vm boots the real ones).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "common/error.h"
#include "common/paths.h"
#include "run/guest_name.h"
#include "run/run_plan.h"
#include "support/fake_guest.h"
#include "support/manual_clock.h"

namespace fuselab {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;
using testing::BackendRef;
using testing::FakeBackend;
using testing::GuestScript;
using testing::ManualClock;

const std::string kHello = R"({"msg":"hello","t":2.5,"proto":1,"agent":"0.1","kernel":"6.1.0"})"
                           "\n";
const std::string kResult =
    R"({"msg":"result","t":4,"ok":true,"bytes_written":1048576,"server_bytes_written":1048576})"
    "\n";
const std::string kBye = R"({"msg":"bye","t":4.1})"
                         "\n";
const std::string kHungTask =
    "[   25.27] INFO: task dd:69 blocked for more than 8 seconds.\n"
    "[   25.28] Call Trace:\n[   25.28]  <TASK>\n[   25.28]  __schedule+0x2a0/0x800\n"
    "[   25.28]  folio_wait_writeback+0x20/0x80\n[   25.28]  </TASK>\n";
const std::string kBootPanic =
    "[    1.1] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\n"
    "[    1.2] ---[ end Kernel panic - not syncing: VFS: Unable to mount root fs on "
    "unknown-block(0,0) ]---\n";

GuestScript pass_script() { return {{{0ms, "Linux version 6.1\n", kHello}}, kResult + kBye}; }

// Kernels without a configuration (capabilities checked in the guest), except "debian:trixie",
// whose 6.12 configuration has no cgroup v1 memory controller. Boots files that exist (the run
// holds them open against `cache gc`) and no base image (no overlay to create).
class FakeArtifacts : public PlanArtifacts {
 public:
  explicit FakeArtifacts(const fs::path& dir) : dir_(dir) {}
  void check_plan(const Plan&) override {}
  const KernelArtifacts& kernel(const std::string& value) override {
    auto [it, fresh] = kernels_.try_emplace(value);
    if (fresh) {
      it->second.kernel = dir_ / "vmlinuz";
      it->second.release = "6.1.0-fake";
      it->second.source = "fake " + value;
      if (value == "debian:trixie")
        it->second.config =
            fs::path(FUSELAB_TEST_DATA) / "kernel-config/debian-6.12.117+deb13-cloud-amd64.config";
    }
    return it->second;
  }
  BootArtifacts boot(const CellSpec& cell) override {
    const KernelArtifacts& k = kernel(cell.kernel);
    return {k.kernel, dir_ / "initrd.img", {}, k.release, k.source};
  }

 private:
  fs::path dir_;
  std::map<std::string, KernelArtifacts> kernels_;
};

class PlanRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* var : {"FUSELAB_CACHE_DIR", "FUSELAB_WORK_DIR"}) {
      if (const char* v = std::getenv(var)) saved_env_[var] = v;
    }
    ::setenv("FUSELAB_CACHE_DIR", (dir.path() / "cache").c_str(), 1);
    ::setenv("FUSELAB_WORK_DIR", (dir.path() / "work").c_str(), 1);
    write_file_atomic(dir.path() / "boot/vmlinuz", "not a kernel");
    write_file_atomic(dir.path() / "boot/initrd.img", "not an initrd");
  }
  void TearDown() override {
    for (const char* var : {"FUSELAB_CACHE_DIR", "FUSELAB_WORK_DIR"}) {
      if (auto it = saved_env_.find(var); it != saved_env_.end())
        ::setenv(var, it->second.c_str(), 1);
      else
        ::unsetenv(var);
    }
  }

  // A plan of `cells` (YAML list items) with short deadlines and no retries unless a cell says.
  RunOptions options_for(const std::string& cells) {
    const fs::path plan = dir.path() / "plan.yaml";
    write_file_atomic(plan, R"(name: fake
defaults:
  kernel: debian:bookworm:cloud-amd64
  image: bookworm
  boot_timeout_s: 5
  cell_timeout_s: 20
  silence_timeout_s: 15
  evidence_s: 2
  infra_retries: 0
  workload: {kind: seq-write, size_mib: 1}
cells:
)" + cells);
    RunOptions o;
    o.plan_file = plan;
    o.results_dir = dir.path() / "results";
    o.run_id = "r1";
    o.accel = "tcg";
    o.jobs = 1;
    o.backend = [this](const std::string&) { return std::make_unique<BackendRef>(backend); };
    o.artifacts = [this] { return std::make_unique<FakeArtifacts>(dir.path() / "boot"); };
    o.clock = &clock;
    return o;
  }
  void script(const std::string& cell, int attempt, GuestScript s) {
    backend.scripts[guest_name("r1", cell, attempt)] = std::move(s);
  }
  // Cells a, b, c where Ctrl-C comes as b's guest starts: a passes, b is interrupted.
  static constexpr const char* kThreeCells = "  - {id: a}\n  - {id: b}\n  - {id: c}\n";
  RunOutcome run_interrupted_at_b(const RunOptions& o) {
    script("a", 1, pass_script());
    GuestScript b = {{{0ms, "", kHello}}, ""};
    b.on_start = [this] { stop = true; };
    script("b", 1, b);
    return run_plan(o, stop);
  }
  fs::path run_dir() const { return dir.path() / "results" / "r1"; }
  json read_json(const fs::path& file) const { return json::parse(read_file(file)); }
  json result(const std::string& cell) const { return read_json(run_dir() / cell / "result.json"); }

  TempDir dir{fs::temp_directory_path(), "fuselab-plan-runner-"};
  ManualClock clock;
  FakeBackend backend{clock, 100ms};
  std::atomic<bool> stop{false};
  std::map<std::string, std::string> saved_env_;
};

// One cell per way a watch over a guest ends (but Interrupted: Ctrl-C below), each with the
// verdict it expects, so the run's exit code is 0; what each result.json says is checked.
TEST_F(PlanRunnerTest, EveryEndingLandsInItsResultFile) {
  auto o = options_for(R"(  - {id: done}
  - {id: off, expect: INFRA}
  - {id: noboot, expect: INFRA}
  - {id: hang, silence_timeout_s: 60, expect: HANG}
  - {id: quiet, expect: STALL}
  - {id: monitor, cell_timeout_s: 60, silence_timeout_s: 60, expect: STALL}
  - {id: skip, expect: SKIP}
  - {id: refused, expect: INFRA}
  - {id: lost, expect: INFRA}
  - {id: paused, expect: INFRA}
)");
  script("done", 1, pass_script());
  script("off", 1, {{{0ms, "", kHello}, {1s, "", "", true}}, ""});
  script("noboot", 1, {{{0ms, "booting\n", ""}}, ""});
  // Console output every few seconds keeps silence away: the cell deadline ends it.
  GuestScript hang{{{0ms, "", kHello}, {1s, kHungTask, ""}}, ""};
  for (int s = 2; s < 30; s += 2) hang.steps.push_back({std::chrono::seconds(s), "tick\n", ""});
  script("hang", 1, hang);
  script("quiet", 1, {{{0ms, "", kHello}}, ""});
  GuestScript monitor{{{0ms, "", kHello},
                       {1s, "",
                        R"({"msg":"stall","t":9})"
                        "\n"}},
                      ""};
  for (int s = 2; s < 30; s += 1)
    monitor.steps.push_back({std::chrono::seconds(s), "",
                             R"({"msg":"progress","t":9})"
                             "\n"});
  script("monitor", 1, monitor);
  script("skip", 1,
         {{{0ms, "", kHello}},
          R"({"msg":"skip","reason":"no psi here"})"
          "\n" +
              kBye});
  script("refused", 1, {{}, "", true});
  script("lost", 1, {{{0ms, "", kHello}, {1s, "", "", false, true}}, ""});
  script(
      "paused", 1,
      {{{0ms, "", kHello}, {1s, "", "", false, false, GuestState::Paused, "paused: ENOSPC"}}, ""});

  RunOutcome out = run_plan(o, stop);
  EXPECT_EQ(out.exit_code, 0);
  EXPECT_EQ(out.run_dir, fs::absolute(run_dir()));
  struct Want {
    const char* id;
    const char* verdict;
    const char* end;
    const char* reason_part;
  };
  for (const Want& w : std::vector<Want>{
           {"done", "PASS", "agent-done", "byte counts match"},
           {"off", "INFRA", "powered-off", "agent ended without a result"},
           {"noboot", "INFRA", "boot-deadline", "guest never reached the agent (boot-deadline)"},
           {"hang", "HANG", "cell-deadline", "task hung"},
           {"quiet", "STALL", "silence", "no progress and no hung-task report"},
           {"monitor", "STALL", "agent-stall", "no progress (agent monitor)"},
           {"skip", "SKIP", "agent-skip", "no psi here"},
           {"refused", "INFRA", "host-error", "host error: fake hypervisor refused"},
           {"lost", "INFRA", "lost-guest", "lost connection to the guest"},
           {"paused", "INFRA", "guest-paused", "paused: ENOSPC"}}) {
    SCOPED_TRACE(w.id);
    json r = result(w.id);
    EXPECT_EQ(r.value("verdict", ""), w.verdict);
    EXPECT_EQ(r.value("end", ""), w.end);
    EXPECT_NE(r.value("reason", "").find(w.reason_part), std::string::npos)
        << r.value("reason", "");
    EXPECT_TRUE(r.value("matched", false));
    EXPECT_EQ(r.value("attempts", 0), 1);
  }
  // The silence deadline is 15 s of the fake clock, the cell deadline 20 s.
  EXPECT_NEAR(result("quiet")["timing"].value("cell_s", 0.0), 15.0, 0.5);
  EXPECT_NEAR(result("hang")["timing"].value("cell_s", 0.0), 20.0, 0.5);
  // Where the time went: the phases follow one another and add up to the cell's time.
  for (const char* id : {"done", "hang", "quiet", "monitor"}) {
    SCOPED_TRACE(id);
    const json t = result(id)["timing"];
    double sum = 0;
    for (const char* phase : {"overlay_s", "define_start_s", "boot_to_hello_s", "scenario_s",
                              "teardown_s", "after_s"}) {
      ASSERT_TRUE(t.contains(phase)) << phase << " in " << t;
      EXPECT_GE(t[phase].get<double>(), 0.0) << phase;
      sum += t[phase].get<double>();
    }
    EXPECT_NEAR(sum, t["cell_s"].get<double>(), 0.2) << t;
    EXPECT_FALSE(t.contains("dump_s")) << "no dump was asked for";
  }
  // The monitor's report came 1 s after hello; the plan's 2 s of evidence followed it.
  EXPECT_NEAR(result("monitor")["timing"].value("evidence_s", 0.0), 2.0, 0.2);
  EXPECT_NEAR(result("monitor")["timing"].value("scenario_s", 0.0), 3.0, 0.2);
  EXPECT_FALSE(result("done")["timing"].contains("evidence_s"));
  // A guest that never said hello had no scenario.
  EXPECT_FALSE(result("noboot")["timing"].contains("scenario_s"));
  // The guest powered off with a kernel-less console: QEMU's exit detail is kept.
  EXPECT_NE(result("off").value("reason", "").find("qemu said bye"), std::string::npos);

  json run = read_json(run_dir() / "run.json");
  EXPECT_EQ(run["cells"].size(), 10u);
  EXPECT_EQ(run.value("libvirt_uri", ""), "fake:///");
  EXPECT_EQ(run["accel"].value("chosen", ""), "tcg");
  EXPECT_FALSE(run.value("interrupted", true));
  for (const char* f : {"plan.yaml", "junit.xml", "summary.md", "report.html"})
    EXPECT_TRUE(fs::exists(run_dir() / f)) << f;
  EXPECT_EQ(backend.alive, 0);
  EXPECT_EQ(backend.started.size(), 10u);
}

TEST_F(PlanRunnerTest, InfraIsRetriedAndTheRetryDecides) {
  auto o = options_for("  - {id: flaky, infra_retries: 2}\n");
  script("flaky", 1, {{}, "", true});
  script("flaky", 2, pass_script());
  RunOutcome out = run_plan(o, stop);
  EXPECT_EQ(out.exit_code, 0);
  json r = result("flaky");
  EXPECT_EQ(r.value("verdict", ""), "PASS");
  EXPECT_EQ(r.value("attempts", 0), 2);
  EXPECT_EQ(backend.started.size(), 2u);
  // The failed attempt's evidence is kept beside the final one's.
  EXPECT_TRUE(fs::exists(run_dir() / "flaky/attempt1.console.log"));
  EXPECT_TRUE(fs::exists(run_dir() / "flaky/console.log"));
}

TEST_F(PlanRunnerTest, EveryBootedCellCarriesItsBundleAndReproScript) {
  auto o = options_for("  - {id: a, kernel_cmdline: mitigations=off}\n");
  script("a", 1, pass_script());
  ASSERT_EQ(run_plan(o, stop).exit_code, 0);
  json bundle = read_json(run_dir() / "a" / "bundle.json");
  EXPECT_EQ(bundle["cell"], "a");
  EXPECT_EQ(bundle["plan"], "../plan.yaml");
  EXPECT_TRUE(fs::exists(run_dir() / "plan.yaml"));
  EXPECT_EQ(bundle["cmdline"],
            "console=ttyS0 panic=5 loglevel=7 fuselab.root=/dev/vda mitigations=off");
  EXPECT_EQ(bundle["agent"]["version"], "0.1");  // from the agent's hello
  EXPECT_EQ(bundle["kernel"]["image"]["file"], "vmlinuz");
  EXPECT_EQ(bundle["kernel"]["image"]["sha256"].get<std::string>().size(), 64u);
  std::string script_text = read_file(run_dir() / "a" / "repro.sh");
  EXPECT_NE(script_text.find("repro \"$(dirname \"$0\")\" \"$@\""), std::string::npos);
  EXPECT_EQ(fs::status(run_dir() / "a" / "repro.sh").permissions() & fs::perms::owner_exec,
            fs::perms::owner_exec);
  json r = result("a");
  EXPECT_EQ(r["files"]["bundle"], "bundle.json");
  EXPECT_EQ(r["files"]["repro"], "repro.sh");
}

TEST_F(PlanRunnerTest, ReproHoldsTheGuestPastItsByeUntilStopAndNeverRetries) {
  auto o = options_for("  - {id: held, infra_retries: 3}\n");
  o.repro = true;
  std::string teed;
  o.cell.console_tee = [&](std::string_view bytes) { teed += bytes; };
  // The agent says bye and the fake guest stays up, as the agent does when asked: the stop
  // comes two minutes later (past the 20 s cell and 15 s silence deadlines), from the user.
  GuestScript held = pass_script();
  std::string sent;
  held.on_send = [&](const std::string& line) { sent += line; };
  held.on_poll = [&](std::chrono::milliseconds age) {
    if (age > 120s) stop = true;
  };
  script("held", 1, held);
  RunOutcome out = run_plan(o, stop);
  json r = result("held");
  EXPECT_EQ(r.value("verdict", ""), "PASS") << r.dump();
  EXPECT_EQ(r.value("attempts", 0), 1);
  EXPECT_EQ(backend.started.size(), 1u);
  EXPECT_GE(clock.seconds(), 120.0) << "the guest was not held";
  EXPECT_EQ(backend.alive, 0);
  EXPECT_NE(teed.find("Linux version 6.1"), std::string::npos);
  EXPECT_NE(sent.find("\"stay_up\":true"), std::string::npos) << sent;
}

// repro --shell: the guest gets the shell console, the agent the run message's shell flag, and
// the repro's session sees the guest start, every turn of the watch, and the end before the
// guest is destroyed. A matrix run never asks for a shell, whatever its cell options say.
TEST_F(PlanRunnerTest, ReproShellAsksForTheConsoleAndTheShellAndDrivesTheSession) {
  struct Session : GuestSession {
    std::vector<std::string> calls;
    int alive_at_stop = -1;
    FakeBackend* backend = nullptr;
    void started(Guest&) override { calls.push_back("started"); }
    void poll(Guest&) override {
      if (calls.empty() || calls.back() != "poll") calls.push_back("poll");
    }
    void stopping() override {
      calls.push_back("stopping");
      alive_at_stop = backend->alive;
    }
  } session;
  session.backend = &backend;
  auto o = options_for("  - {id: shell}\n");
  o.repro = true;
  o.cell.shell = true;
  o.cell.session = &session;
  GuestScript held = pass_script();
  std::string sent;
  held.on_send = [&](const std::string& line) { sent += line; };
  held.on_poll = [&](std::chrono::milliseconds age) {
    if (age > 30s) stop = true;
  };
  script("shell", 1, held);
  run_plan(o, stop);
  EXPECT_TRUE(backend.last_spec.shell_console);
  EXPECT_NE(sent.find("\"shell\":true"), std::string::npos) << sent;
  EXPECT_EQ(session.calls, (std::vector<std::string>{"started", "poll", "stopping"}));
  EXPECT_EQ(session.alive_at_stop, 1) << "the session must end before the guest is destroyed";
}

TEST_F(PlanRunnerTest, AMatrixRunNeverGetsAShell) {
  auto o = options_for("  - {id: plain}\n");
  o.cell.shell = true;  // not a repro: ignored
  GuestScript plain = pass_script();
  std::string sent;
  plain.on_send = [&](const std::string& line) { sent += line; };
  script("plain", 1, plain);
  run_plan(o, stop);
  EXPECT_FALSE(backend.last_spec.shell_console);
  EXPECT_EQ(sent.find("\"shell\""), std::string::npos) << sent;
}

TEST_F(PlanRunnerTest, ReproOfMoreThanOneCellIsAUserError) {
  auto o = options_for("  - {id: a}\n  - {id: b}\n");
  o.repro = true;
  EXPECT_THROW(run_plan(o, stop), UserError);
}

TEST_F(PlanRunnerTest, InfraRetriesExhaustedIsInfraAndExitCode3) {
  auto o = options_for("  - {id: broken, infra_retries: 2}\n");
  script("broken", 1, {{}, "", true});
  script("broken", 2, {{}, "", true});
  script("broken", 3, {{{0ms, "booting\n", ""}}, ""});
  RunOutcome out = run_plan(o, stop);
  EXPECT_EQ(out.exit_code, 3);
  json r = result("broken");
  EXPECT_EQ(r.value("verdict", ""), "INFRA");
  EXPECT_EQ(r.value("end", ""), "boot-deadline");
  EXPECT_EQ(r.value("attempts", 0), 3);
  EXPECT_FALSE(r.value("matched", true));
  EXPECT_EQ(read_json(run_dir() / "run.json").value("exit_code", -1), 3);
}

TEST_F(PlanRunnerTest, BootCrashOnTheRetryTooIsBootError) {
  auto o = options_for("  - {id: badkernel, infra_retries: 1, expect: BOOT_ERROR}\n");
  script("badkernel", 1, {{{0ms, kBootPanic, ""}, {100ms, "", "", true}}, ""});
  script("badkernel", 2, {{{0ms, kBootPanic, ""}, {100ms, "", "", true}}, ""});
  RunOutcome out = run_plan(o, stop);
  EXPECT_EQ(out.exit_code, 0);
  json r = result("badkernel");
  EXPECT_EQ(r.value("verdict", ""), "BOOT_ERROR");
  EXPECT_EQ(r.value("attempts", 0), 2);
  EXPECT_NE(r.value("reason", "").find("on the retry too"), std::string::npos);
}

TEST_F(PlanRunnerTest, CellTheKernelCannotRunIsSkippedBeforeBooting) {
  auto o = options_for(R"(  - {id: v1, kernel: "debian:trixie", cgroup: {version: v1}}
  - {id: v2, kernel: "debian:trixie", cgroup: {version: v2}}
)");
  script("v2", 1, pass_script());
  RunOutcome out = run_plan(o, stop);
  EXPECT_EQ(out.exit_code, 0);
  json r = result("v1");
  EXPECT_EQ(r.value("verdict", ""), "SKIP");
  EXPECT_EQ(r.value("end", ""), "not-booted");
  EXPECT_TRUE(r.value("matched", false));  // SKIP breaks no expectation
  EXPECT_NE(r.value("reason", "").find("cgroup v1"), std::string::npos) << r.value("reason", "");
  EXPECT_EQ(r["kernel"].value("source", ""), "fake debian:trixie");
  EXPECT_EQ(result("v2").value("verdict", ""), "PASS");
  EXPECT_EQ(backend.started, std::vector<std::string>{guest_name("r1", "v2", 1)});
}

// Ctrl-C while the second cell runs: it ends Interrupted, the third never starts, and the run's
// files hold what finished, marked interrupted (exit 130).
TEST_F(PlanRunnerTest, StopKeepsWhatFinishedAndWritesTheRunFiles) {
  auto o = options_for(kThreeCells);
  RunOutcome out = run_interrupted_at_b(o);
  EXPECT_EQ(out.exit_code, 130);
  EXPECT_TRUE(out.summary.interrupted);
  json run = read_json(run_dir() / "run.json");
  EXPECT_TRUE(run.value("interrupted", false));
  ASSERT_EQ(run["cells"].size(), 2u);
  EXPECT_EQ(result("a").value("verdict", ""), "PASS");
  EXPECT_EQ(result("b").value("end", ""), "interrupted");
  EXPECT_EQ(result("b").value("reason", ""), "interrupted by the user");
  EXPECT_FALSE(fs::exists(run_dir() / "c"));
  for (const char* f : {"junit.xml", "summary.md", "report.html"})
    EXPECT_TRUE(fs::exists(run_dir() / f)) << f;
  EXPECT_EQ(backend.alive, 0);
}

// --resume after the run above: finished cells stay as they were, the interrupted (INFRA) one and
// the one that never ran run now.
TEST_F(PlanRunnerTest, ResumeRunsOnlyWhatDidNotFinish) {
  auto o = options_for(kThreeCells);
  run_interrupted_at_b(o);
  const std::string a_before = read_file(run_dir() / "a/result.json");

  stop = false;
  backend.started.clear();
  script("b", 1, pass_script());
  script("c", 1, pass_script());
  o.run_id.clear();
  o.resume = "r1";
  RunOutcome out = run_plan(o, stop);
  EXPECT_EQ(out.exit_code, 0);
  EXPECT_EQ(backend.started,
            (std::vector<std::string>{guest_name("r1", "b", 1), guest_name("r1", "c", 1)}));
  EXPECT_EQ(read_file(run_dir() / "a/result.json"), a_before);
  json run = read_json(run_dir() / "run.json");
  EXPECT_FALSE(run.value("interrupted", true));
  ASSERT_EQ(run["cells"].size(), 3u);
  for (const auto& c : run["cells"]) EXPECT_EQ(c.value("verdict", ""), "PASS") << c.dump();
}

TEST_F(PlanRunnerTest, ResumeOfARunThatDoesNotExistIsAUserError) {
  auto o = options_for("  - {id: a}\n");
  o.run_id.clear();
  o.resume = "nosuchrun";
  EXPECT_THROW(run_plan(o, stop), UserError);
  EXPECT_TRUE(backend.started.empty());
}

TEST_F(PlanRunnerTest, AShardRunsOnlyItsCellsAndSaysSo) {
  auto o = options_for("  - {id: a}\n  - {id: b}\n  - {id: c}\n  - {id: d}\n");
  for (const char* id : {"a", "b", "c", "d"}) script(id, 1, pass_script());
  o.shard = "2/2";
  RunOutcome out = run_plan(o, stop);
  EXPECT_EQ(out.exit_code, 0);
  json run = read_json(run_dir() / "run.json");
  EXPECT_EQ(run.value("shard", ""), "2/2");
  std::set<std::string> ran;
  for (const auto& c : run["cells"]) ran.insert(c.value("id", ""));
  EXPECT_EQ(ran.size(), 2u);
  EXPECT_EQ(backend.started.size(), 2u);
  for (const auto& id : ran) EXPECT_TRUE(fs::exists(run_dir() / id / "result.json")) << id;

  o.shard = "3/2";
  EXPECT_THROW(run_plan(o, stop), UserError);
}

TEST_F(PlanRunnerTest, AnUnexpectedVerdictIsExitCode1) {
  auto o = options_for("  - {id: a}\n  - {id: b, expect: HANG}\n");
  script("a", 1, pass_script());
  script("b", 1, pass_script());
  RunOutcome out = run_plan(o, stop);
  EXPECT_EQ(out.exit_code, 1);
  EXPECT_FALSE(result("b").value("matched", true));
  EXPECT_EQ(read_json(run_dir() / "run.json").value("exit_code", -1), 1);
}

// An exception out of the cell runner (not the hypervisor's InfraError) ends that cell INFRA, the
// run goes on with the next, and the guest is still destroyed.
TEST_F(PlanRunnerTest, AnExceptionInACellIsInfraAndTheRunGoesOn) {
  auto o = options_for("  - {id: a}\n  - {id: b}\n");
  GuestScript a = pass_script();
  a.description_error = "disk full while writing domain.xml";
  script("a", 1, a);
  script("b", 1, pass_script());
  RunOutcome out = run_plan(o, stop);
  EXPECT_EQ(out.exit_code, 3);
  json run = read_json(run_dir() / "run.json");
  ASSERT_EQ(run["cells"].size(), 2u);
  EXPECT_EQ(run["cells"][0].value("verdict", ""), "INFRA");
  EXPECT_EQ(run["cells"][0].value("end", ""), "host-error");
  EXPECT_EQ(run["cells"][0].value("reason", ""), "host error: disk full while writing domain.xml");
  EXPECT_FALSE(run["cells"][0].value("matched", true));
  EXPECT_EQ(run["cells"][1].value("verdict", ""), "PASS");
  EXPECT_EQ(backend.alive, 0);
}

// The agent's error reaches the verdict by its stage: "oom" with a failed result is OOM.
TEST_F(PlanRunnerTest, AgentErrorStageOomDecidesOom) {
  auto o = options_for("  - {id: a, expect: OOM}\n");
  script("a", 1,
         {{{0ms, "", kHello}},
          R"j({"msg":"error","stage":"oom","detail":"workload ended after 1 OOM kill(s)"})j"
          "\n"
          R"({"msg":"result","ok":false,"bytes_written":0,"server_bytes_written":0})"
          "\n" +
              kBye});
  RunOutcome out = run_plan(o, stop);
  EXPECT_EQ(out.exit_code, 0);
  EXPECT_EQ(result("a").value("verdict", ""), "OOM");
  EXPECT_EQ(result("a").value("reason", ""), "workload ended after 1 OOM kill(s)");
}

// A scheme registered by name reaches its factory through the default path (no RunOptions
// factory), as `--connect fake:///` would.
TEST_F(PlanRunnerTest, BackendIsChosenByTheUriScheme) {
  auto o = options_for("  - {id: a}\n");
  script("a", 1, pass_script());
  o.backend = nullptr;
  o.connect_uri = "fake:///";
  std::string asked;
  register_backend("fake", [&](const std::string& uri) {
    asked = uri;
    return std::make_unique<BackendRef>(backend);
  });
  RunOutcome out = run_plan(o, stop);
  register_backend("fake", nullptr);
  EXPECT_EQ(asked, "fake:///");
  EXPECT_EQ(out.exit_code, 0);
  EXPECT_EQ(result("a").value("verdict", ""), "PASS");
}

TEST(BackendScheme, IsTheDriverWithoutTransport) {
  EXPECT_EQ(backend_scheme("qemu:///embed?root=/x"), "qemu");
  EXPECT_EQ(backend_scheme("qemu:///system"), "qemu");
  EXPECT_EQ(backend_scheme("qemu+ssh://host/system"), "qemu");
  EXPECT_EQ(backend_scheme("test:///default"), "test");
  EXPECT_EQ(backend_scheme("fake:///"), "fake");
  EXPECT_EQ(backend_scheme(""), "");
  EXPECT_EQ(backend_scheme("nonsense"), "");
}

}  // namespace
}  // namespace fuselab
