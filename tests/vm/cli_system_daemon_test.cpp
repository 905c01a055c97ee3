// `fuselab run --connect qemu:///system` through Debian's own libvirt daemon, which runs QEMU as
// the user libvirt-qemu with dynamic ownership. CI has no daemon running (no systemd), so the
// test starts one itself, as a user's init system would: virtlogd, then libvirtd (Debian 12's
// libvirt-daemon ships the monolithic libvirtd, no virtqemud), and stops what it started.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "support/cli_runner.h"

namespace fuselab {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kUri = "qemu:///system";

fs::path sbin(const std::string& program) {
  fs::path found = find_program(program);
  return found.empty() ? fs::path("/usr/sbin") / program : found;
}

bool daemon_answers() {
  CommandOptions options;
  options.timeout = 30s;
  return run_command({"virsh", "-c", kUri, "uri"}, options, "libvirt-clients").ok();
}

// The daemons, started once for every test here and stopped after the last one.
class SystemDaemon {
 public:
  // Empty on success, else why not.
  std::string start() {
    if (daemon_answers()) {
      std::cerr << "note: a libvirt daemon already answers at " << kUri << "; using it\n";
      return {};
    }
    for (const char* name : {"virtlogd", "libvirtd"}) {
      if (!fs::exists(sbin(name)))
        return std::string(name) + " is missing: install libvirt-daemon (ci/packages.txt)";
      // Their own log files, so that a failure here can be read; the sockets are the system ones.
      fs::path conf = dir_.path() / (std::string(name) + ".conf");
      write_file_atomic(conf,
                        "log_outputs = \"3:file:" + (dir_.path() / name).string() + ".log\"\n");
      fs::path pid_file = dir_.path() / (std::string(name) + ".pid");
      CommandOptions options;
      options.timeout = 60s;
      // --timeout: if this test dies, the idle daemon still goes away on its own.
      auto r = run_command({sbin(name).string(), "--daemon", "--timeout", "1800", "-f",
                            conf.string(), "-p", pid_file.string()},
                           options);
      if (!r.ok()) return std::string(name) + " did not start: " + r.err + log_tail(name);
      pids_.push_back(std::stoi(read_file(pid_file)));
    }
    for (auto end = Clock::now() + 60s; Clock::now() < end; std::this_thread::sleep_for(500ms)) {
      if (daemon_answers()) return {};
    }
    return std::string("libvirtd does not answer at ") + kUri + log_tail("libvirtd");
  }

  // Stops what start() started, newest first, each within a deadline.
  void stop() {
    for (auto it = pids_.rbegin(); it != pids_.rend(); ++it) {
      ::kill(*it, SIGTERM);
      auto end = Clock::now() + 30s;
      while (alive(*it) && Clock::now() < end) std::this_thread::sleep_for(100ms);
      if (alive(*it)) ::kill(*it, SIGKILL);
      EXPECT_FALSE(alive(*it)) << "daemon " << *it << " is still running";
    }
    pids_.clear();
  }

  // Running, as opposed to gone or a zombie that pid 1 has not reaped yet (daemons are not ours
  // to wait for: they detached).
  static bool alive(pid_t pid) {
    if (::kill(pid, 0) != 0) return false;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    size_t paren = line.rfind(')');
    return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] != 'Z';
  }

 private:
  std::string log_tail(const std::string& name) const {
    fs::path log = dir_.path() / (name + ".log");
    // Appended: `"x" + std::string&&` is a false -Wrestrict at -O3 in GCC 12 (GCC bug 105329).
    return fs::exists(log) ? std::string("\n").append(tail_lines(read_file(log), 10))
                           : std::string();
  }

  TempDir dir_{fs::temp_directory_path(), "fuselab-daemons-"};
  std::vector<pid_t> pids_;
};

// The daemon's domains whose names are ours (fl-*), running or not.
std::vector<std::string> our_domains() {
  auto r = run_command({"virsh", "-c", kUri, "list", "--all", "--name"});
  EXPECT_TRUE(r.ok()) << r.err;
  std::vector<std::string> names;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("fl-", 0) == 0) names.push_back(line);
  }
  return names;
}

std::set<std::string> entries(const fs::path& dir, const std::string& prefix = {}) {
  std::set<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename();
    if (name.rfind(prefix, 0) == 0) names.insert(name);
  }
  return names;
}

struct StatSig {
  uid_t uid;
  gid_t gid;
  mode_t mode;
  bool operator==(const StatSig&) const = default;
};

StatSig stat_sig(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return {st.st_uid, st.st_gid, st.st_mode};
}

testing::CliRun run_cli_in(const std::vector<std::string>& args, const fs::path& work_dir) {
  std::vector<std::string> argv = {FUSELAB_CLI_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandOptions options;
  options.timeout = 15min;
  options.env_set["FUSELAB_WORK_DIR"] = work_dir.string();
  auto r = run_command(argv, options);
  return {r.exit_code, r.out, r.err};
}

constexpr const char* kPlan =
    "name: system-daemon\n"
    "defaults:\n"
    "  kernel: debian:bookworm:cloud-amd64\n"
    "  image: bookworm\n"
    "  workload: {kind: seq-write, size_mib: 32, block_kib: 1024, fsync: true}\n"
    "  infra_retries: 0\n"
    "cells:\n"
    "  - id: null-backend\n"
    "    server: {backend: null}\n"
    "  - id: memory-writeback\n"
    "    server: {backend: memory, writeback_cache: true}\n";

class VmSystemDaemon : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) return;
    daemon_ = new SystemDaemon;
    start_error_ = new std::string(daemon_->start());
  }
  static void TearDownTestSuite() {
    if (daemon_) daemon_->stop();
    delete daemon_;
    delete start_error_;
    daemon_ = nullptr;
    start_error_ = nullptr;
  }
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "starting libvirt's system daemon needs root";
    ASSERT_TRUE(start_error_->empty()) << *start_error_;
    plan_ = testing::write_plan(dir_.path(), "system.yaml", kPlan);
    // The artifacts first, so that a cold cache does not count against the daemon's idle timeout.
    auto prepared = testing::run_cli({"prepare", plan_.string(), "--json"}, 60min);
    ASSERT_EQ(prepared.exit_code, 0) << prepared.out << prepared.err;
    prepared_ = nlohmann::json::parse(prepared.out).at(0);
  }

  static SystemDaemon* daemon_;
  static std::string* start_error_;
  TempDir dir_{fs::temp_directory_path(), "fuselab-vm-"};
  fs::path plan_;
  nlohmann::json prepared_;
};

SystemDaemon* VmSystemDaemon::daemon_ = nullptr;
std::string* VmSystemDaemon::start_error_ = nullptr;

// Real guests, real FUSE, QEMU as libvirt-qemu: both cells PASS, and afterwards no guest, overlay,
// staged file or QEMU log of the run is left, and the cache's files are as they were.
TEST_F(VmSystemDaemon, CellsPassAsLibvirtQemuAndLeaveNothingBehind) {
  // The work dir a user would have: /var/tmp-like, reachable by everyone, writable by root only.
  TempDir work("/var/tmp", "fuselab-systest-");
  ASSERT_EQ(::chmod(work.path().c_str(), 0755), 0);
  const fs::path base = prepared_.at("base_image").get<std::string>();
  const fs::path kernel = prepared_.at("kernel").get<std::string>();
  const StatSig base_before = stat_sig(base), kernel_before = stat_sig(kernel);
  const auto logs_before = entries("/var/log/libvirt/qemu", "fl-");

  const auto started = Clock::now();
  auto r = run_cli_in({"run", plan_.string(), "--connect", kUri, "--accel", "tcg", "--results",
                       (dir_.path() / "results").string(), "-j", "2"},
                      work.path());
  const double wall_s = std::chrono::duration<double>(Clock::now() - started).count();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::cerr << "note: 2 cells through " << kUri << " in " << wall_s << " s\n";
  // ci/setup puts libvirt-qemu in group kvm; without it every guest start took ~100 s here.
  EXPECT_EQ(r.err.find("cannot open /dev/kvm"), std::string::npos) << r.err;

  auto run_dir = testing::only_run_dir(dir_.path() / "results");
  auto run = testing::read_json(run_dir / "run.json");
  EXPECT_EQ(run["libvirt_uri"], kUri);
  ASSERT_EQ(run["cells"].size(), 2u);
  for (const auto& cell : run["cells"]) {
    std::string id = cell["id"];
    auto result = testing::read_json(run_dir / id / "result.json");
    EXPECT_EQ(result["verdict"], "PASS") << id << ": " << result["reason"];
    const auto& agent = result["agent_result"];
    ASSERT_TRUE(agent.is_object()) << id;
    EXPECT_EQ(agent["server_bytes_written"].get<unsigned long long>(), 32ull << 20) << id;
    EXPECT_NE(read_file(run_dir / id / "console.log").find("Linux version 6.1."), std::string::npos)
        << id;
    // The guest booted from files handed to libvirt-qemu in the work dir, not from the cache, and
    // libvirt was told to keep its hands off the overlay's backing chain.
    std::string xml = read_file(run_dir / id / "domain.xml");
    EXPECT_NE(xml.find("<kernel>" + work.path().string()), std::string::npos) << xml;
    EXPECT_EQ(xml.find(kernel.string()), std::string::npos) << xml;
    EXPECT_NE(xml.find("relabel='no'"), std::string::npos) << xml;
    std::cerr << "note: " << id << ": guest start " << result["timing"]["start_s"] << " s, cell "
              << result["timing"]["cell_s"] << " s\n";
  }
  EXPECT_TRUE(our_domains().empty());
  EXPECT_TRUE(entries(work.path()).empty()) << *entries(work.path()).begin();
  EXPECT_EQ(entries("/var/log/libvirt/qemu", "fl-"), logs_before);
  EXPECT_TRUE(stat_sig(base) == base_before) << "the cache's base image was relabelled";
  EXPECT_TRUE(stat_sig(kernel) == kernel_before) << "the cache's kernel was relabelled";
}

// The deadlock cell through the daemon, as a user debugging a hang on a shared host would run
// it: HANG, and a memory dump taken by the daemon's QEMU into the root-owned results, made
// sparse, with no guest left after.
TEST_F(VmSystemDaemon, HungCellIsDumpedThroughTheDaemon) {
  TempDir work("/var/tmp", "fuselab-systest-");
  ASSERT_EQ(::chmod(work.path().c_str(), 0755), 0);
  const std::string cell = "cgroup=v1,kernel=unguarded,placement=nested,pressure=on";
  auto r = run_cli_in({"run", (fs::path(FUSELAB_SOURCE_DIR) / "configs/deadlock.yaml").string(),
                       "--cell", cell, "--dump-on-hang", "--connect", kUri, "--accel", "tcg",
                       "--results", (dir_.path() / "results").string()},
                      work.path());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto cell_dir = testing::only_run_dir(dir_.path() / "results") / cell;
  auto result = testing::read_json(cell_dir / "result.json");
  EXPECT_EQ(result["verdict"], "HANG") << result["reason"];
  const auto& dump = result["dump"];
  ASSERT_EQ(dump["status"], "ok") << dump;
  EXPECT_EQ(dump["format"], "elf");
  EXPECT_GE(fs::file_size(cell_dir / "vmcore"), 1024u << 20);
  EXPECT_LT(dump["disk_bytes"].get<std::uint64_t>(), 600u << 20) << dump;
  std::cerr << "note: dump through " << kUri << ": " << dump << "\n";
  EXPECT_TRUE(our_domains().empty());
  EXPECT_TRUE(entries(work.path()).empty()) << *entries(work.path()).begin();
}

// A work dir that libvirt-qemu cannot reach (below a private dir): a clear error at once, naming
// the file and the user, instead of every cell failing its attempts one by one.
TEST_F(VmSystemDaemon, WorkDirQemuCannotReachIsAClearErrorAtOnce) {
  TempDir hidden(fs::temp_directory_path(), "fuselab-private-");  // mode 700, like /root
  const auto started = Clock::now();
  auto r = run_cli_in({"run", plan_.string(), "--connect", kUri, "--accel", "tcg", "--results",
                       (dir_.path() / "results").string()},
                      hidden.path());
  const double wall_s = std::chrono::duration<double>(Clock::now() - started).count();
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("runs QEMU as user"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("may not enter " + hidden.path().string()), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Permission denied"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("FUSELAB_WORK_DIR"), std::string::npos) << r.err;
  std::cerr << "note: refused in " << wall_s << " s\n";
  EXPECT_LT(wall_s, 60.0);  // it was 56 s per attempt of every cell before
  EXPECT_TRUE(entries(hidden.path()).empty());
  EXPECT_TRUE(our_domains().empty());
}

}  // namespace
}  // namespace fuselab
