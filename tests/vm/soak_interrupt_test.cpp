// The soak test of issue 9: interrupt many runs of a small plan at random moments, alternating
// SIGINT and SIGKILL, spread over artifact preparation, boot, workload and evidence; after each,
// nothing of the killed run may be left (QEMU process, libvirt domain, overlay, temporary file),
// and `--resume` must keep every cell that had finished.
//
// The moments come from a seeded RNG (FUSELAB_SOAK_SEED, default 9) within the phases of a first,
// uninterrupted calibration run. FUSELAB_SOAK_RUNS sets the count (default 20).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "common/stale_files.h"
#include "support/cli_runner.h"

extern char** environ;

namespace fuselab {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Two cells of the smoke plan, one after the other: `base` (PASS) boots and writes; the stall
// control (HANG) stalls and then collects evidence for 10 s.
const std::vector<std::string> kCells = {"base", "stall-control"};
const char* const kPhases[] = {"prepare", "boot", "workload", "evidence"};

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

struct Spawned {
  pid_t pid = -1;
  Clock::time_point started;
};

Spawned spawn_run(const fs::path& results, const fs::path& work, const fs::path& log,
                  const std::vector<std::string>& extra) {
  std::vector<std::string> args = {
      FUSELAB_CLI_PATH,
      "run",
      fs::path(FUSELAB_TEST_DATA).parent_path().parent_path() / "configs/smoke.yaml",
      "--results",
      results.string(),
      "--accel",
      "tcg",
      "-j",
      "1"};
  for (const auto& c : kCells) args.insert(args.end(), {"--cell", c});
  args.insert(args.end(), extra.begin(), extra.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  // The work dir is ours alone, so overlays of other sessions' runs never count.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    if (!std::string(*e).starts_with("FUSELAB_WORK_DIR=")) env_strings.push_back(*e);
  }
  env_strings.push_back("FUSELAB_WORK_DIR=" + work.string());
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  Spawned s;
  s.started = Clock::now();
  EXPECT_EQ(posix_spawn(&s.pid, argv[0], &actions, nullptr, argv.data(), envp.data()), 0);
  posix_spawn_file_actions_destroy(&actions);
  return s;
}

int wait_exit(pid_t pid, std::chrono::seconds limit) {
  int status = 0;
  auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (waitpid(pid, &status, WNOHANG) == pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(50ms);
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  ADD_FAILURE() << "fuselab did not exit within " << limit.count() << " s";
  return -1;
}

// What phase the run is in, from its files (-j 1: at most one cell runs at a time).
std::string phase_of(const fs::path& run_dir) {
  for (const auto& id : kCells) {
    const fs::path cell = run_dir / id;
    if (fs::exists(cell / "result.json")) continue;
    if (!fs::exists(cell / "console.log")) return id == kCells.front() ? "prepare" : "boot";
    std::string agent = slurp(cell / "agent.jsonl");
    if (agent.find("\"msg\":\"hello\"") == std::string::npos) return "boot";
    if (agent.find("\"msg\":\"stall\"") != std::string::npos ||
        agent.find("\"msg\":\"hang\"") != std::string::npos)
      return "evidence";
    return "workload";
  }
  return "reports";
}

std::set<std::string> finished_cells(const fs::path& run_dir) {
  std::set<std::string> done;
  for (const auto& id : kCells) {
    if (fs::exists(run_dir / id / "result.json")) done.insert(id);
  }
  return done;
}

// Everything of a killed run (pid `pid`, overlays under `work`) that is still there.
std::vector<std::string> leaks(pid_t pid, const fs::path& work, const fs::path& cache) {
  std::vector<std::string> found;
  // QEMU: its command line names its overlay, which lies under our private work dir. Processes
  // come and go while we look: error codes, not exceptions.
  std::error_code pec;
  for (auto it = fs::directory_iterator("/proc", pec); !pec && it != fs::directory_iterator();
       it.increment(pec)) {
    const std::string name = it->path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = slurp(it->path() / "cmdline");
    if (cmdline.find("qemu-system") != std::string::npos &&
        cmdline.find(work.string()) != std::string::npos)
      found.push_back("QEMU pid " + name);
  }
  // Domains: the status XML of an embedded root that names our work dir.
  std::error_code ec;
  for (const auto& slot : fs::directory_iterator(cache / "libvirt", ec)) {
    std::error_code sec;
    for (const auto& f : fs::directory_iterator(slot.path() / "run" / "qemu", sec)) {
      if (f.path().extension() == ".xml" &&
          slurp(f.path()).find(work.string()) != std::string::npos)
        found.push_back("domain " + f.path().string());
    }
  }
  // Overlay dirs and temporary files that carry the killed run's pid.
  for (const auto& e : fs::directory_iterator(work, ec)) {
    if (owner_pid(e.path().filename(), "fuselab-overlays-") == pid)
      found.push_back("overlay " + e.path().string());
  }
  std::vector<fs::path> dirs = {cache};
  for (const auto& e : fs::directory_iterator(cache, ec)) {
    if (e.is_directory(ec) && e.path().filename() != "libvirt") dirs.push_back(e.path());
  }
  for (const auto& d : dirs) {
    std::error_code dec;
    for (const auto& e : fs::directory_iterator(d, dec)) {
      const std::string n = e.path().filename();
      if (owner_pid(
              n, n.starts_with(".fetch-") || n.starts_with(".build-") ? n.substr(0, 7) : "") == pid)
        found.push_back("temp " + e.path().string());
    }
  }
  return found;
}

struct Timeline {
  double total_s = 0;
  std::map<std::string, std::pair<double, double>> phases;  // phase -> [first seen, last seen]
};

// One uninterrupted run, sampled every 100 ms: when each phase starts and ends.
Timeline calibrate(const fs::path& results, const fs::path& work, const fs::path& logs) {
  Timeline t;
  Spawned s = spawn_run(results, work, logs / "calibration.log", {"--run-id", "calibration"});
  int status = 0;
  while (waitpid(s.pid, &status, WNOHANG) == 0) {
    double at = std::chrono::duration<double>(Clock::now() - s.started).count();
    std::string p = phase_of(results / "calibration");
    auto [it, fresh] = t.phases.try_emplace(p, at, at);
    if (!fresh) it->second.second = at;
    if (at > 600) kill(s.pid, SIGKILL);
    std::this_thread::sleep_for(100ms);
  }
  t.total_s = std::chrono::duration<double>(Clock::now() - s.started).count();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << slurp(logs / "calibration.log");
  return t;
}

TEST(VmSoak, InterruptedRunsLeaveNothingAndLoseNoCell) {
  const int runs = env_int("FUSELAB_SOAK_RUNS", 20);
  std::mt19937 rng(static_cast<unsigned>(env_int("FUSELAB_SOAK_SEED", 9)));
  TempDir dir(fs::temp_directory_path(), "fuselab-soak-");
  const fs::path results = dir.path() / "results", work = dir.path() / "work",
                 logs = dir.path() / "logs";
  fs::create_directories(work);
  fs::create_directories(logs);
  const fs::path cache = cache_dir();
  const auto soak_start = Clock::now();

  Timeline t = calibrate(results, work, logs);
  std::printf("calibration: %.1f s;", t.total_s);
  for (const auto& [p, span] : t.phases)
    std::printf(" %s %.1f-%.1f s", p.c_str(), span.first, span.second);
  std::printf("\n");
  for (const char* p : kPhases)
    ASSERT_TRUE(t.phases.contains(p)) << "the calibration run never showed phase " << p;

  std::map<std::string, int> kills_by_phase;
  int leaked_after_kill = 0, leaked_after_next = 0, lost = 0;
  for (int i = 0; i < runs; ++i) {
    const bool sigkill = i % 2 == 1;
    const char* target = kPhases[(i / 2) % 4];  // each phase gets a SIGINT and a SIGKILL in turn
    auto [from, to] = t.phases.at(target);
    double delay = std::uniform_real_distribution<double>(from, std::max(from, to - 0.2))(rng);
    const std::string run_id = "soak-" + std::to_string(i);
    const fs::path run_dir = results / run_id;

    Spawned s = spawn_run(results, work, logs / (run_id + ".log"), {"--run-id", run_id});
    std::this_thread::sleep_until(s.started + std::chrono::duration<double>(delay));
    std::set<std::string> done_before = finished_cells(run_dir);
    std::map<std::string, std::string> verdict_before;
    for (const auto& id : done_before) {
      auto j = nlohmann::json::parse(slurp(run_dir / id / "result.json"), nullptr, false);
      verdict_before[id] = j.is_object() ? j.value("verdict", "?") : "?";
    }
    std::string phase = phase_of(run_dir);
    kill(s.pid, sigkill ? SIGKILL : SIGINT);
    int code = wait_exit(s.pid, 120s);
    // A SIGINTed run may finish a cell while it stops; it keeps that one too.
    std::set<std::string> done_after_kill = finished_cells(run_dir);
    ++kills_by_phase[phase];

    // The guardian (SIGKILL) or the run itself (SIGINT) cleans at once; give it 10 s.
    std::vector<std::string> left;
    for (auto until = Clock::now() + 10s; Clock::now() < until;
         std::this_thread::sleep_for(200ms)) {
      left = leaks(s.pid, work, cache);
      if (left.empty()) break;
    }
    leaked_after_kill += static_cast<int>(left.size());

    // The next run: resume the interrupted one.
    Spawned next = spawn_run(results, work, logs / (run_id + ".resume.log"), {"--resume", run_id});
    int next_code = wait_exit(next.pid, 600s);
    std::vector<std::string> left_after = leaks(s.pid, work, cache);
    leaked_after_next += static_cast<int>(left_after.size());
    std::map<std::string, std::string> kept;  // id -> verdict in run.json after the resume
    int missing = 0;
    if (fs::exists(run_dir / "run.json")) {
      // Kept in a variable: a range-for over a member of a temporary dangles before C++23.
      const auto run_json = testing::read_json(run_dir / "run.json");
      for (const auto& c : run_json["cells"]) {
        kept[c["id"].get<std::string>()] = c.value("verdict", "?");
      }
    }
    for (const auto& id : done_after_kill) missing += kept.contains(id) ? 0 : 1;
    // A cell that had finished before the signal keeps its verdict: it was not run again.
    for (const auto& [id, verdict] : verdict_before) {
      if (kept.contains(id) && kept[id] != verdict && verdict != "INFRA") ++missing;
    }
    lost += missing;
    std::printf(
        "run %2d: %s at %5.1f s (%s) exit %d; done before %zu; leaks after kill %zu, after next "
        "run %zu; "
        "resume exit %d, lost %d\n",
        i, sigkill ? "SIGKILL" : "SIGINT ", delay, phase.c_str(), code, done_before.size(),
        left.size(), left_after.size(), next_code, missing);
    for (const auto& l : left) std::printf("    left after kill: %s\n", l.c_str());
    std::fflush(stdout);
    EXPECT_TRUE(left_after.empty())
        << run_id << ": " << (left_after.empty() ? "" : left_after.front());
    EXPECT_EQ(missing, 0) << run_id << " lost a finished cell";
    EXPECT_EQ(next_code, 0) << slurp(logs / (run_id + ".resume.log"));
    EXPECT_EQ(code, sigkill ? 128 + SIGKILL : 130) << slurp(logs / (run_id + ".log"));
    for (const auto& id : done_before) EXPECT_TRUE(done_after_kill.contains(id));
    fs::remove_all(run_dir);  // keep /tmp small: the next run needs none of it
  }
  std::printf("soak: %d runs in %.0f s; kills by phase:", runs,
              std::chrono::duration<double>(Clock::now() - soak_start).count());
  for (const auto& [p, n] : kills_by_phase) std::printf(" %s %d", p.c_str(), n);
  std::printf("; leaks after kill %d, after next run %d; lost cells %d\n", leaked_after_kill,
              leaked_after_next, lost);
  EXPECT_EQ(leaked_after_kill, 0);
  EXPECT_EQ(leaked_after_next, 0);
  EXPECT_EQ(lost, 0);
}

}  // namespace
}  // namespace fuselab
