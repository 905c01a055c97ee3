// A hung guest opened from the host: `fuselab run --dump-on-hang` leaves a vmcore of the
// unguarded deadlock cell from which `ci/dump-tools` (sid's drgn) reads the FUSE server's stack
// in folio_wait_writeback, and `fuselab repro --gdb` lets gdb attach to the hung guest and walk
// the blocked server's stack.
//
// Symbols need the debug-info variant of the unguarded kernel. It is used when cached
// (`fuselab kernel build` of kDebugKernel, about 25 minutes here): a cold build would double
// CI's time. Without it both tests still check what needs no symbols: a sparse ELF core of the
// right size from a HANG cell, gdb reading the CPU's registers at a kernel address.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <fstream>
#include <regex>
#include <thread>

#include "run/memory_dump.h"
#include "support/cli_runner.h"
#include "support/interrupt.h"
#include "support/qemu_processes.h"

extern char** environ;

namespace fuselab {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::read_json;
using testing::run_cli;

const std::string kHang = "cgroup=v1,kernel=unguarded,placement=nested,pressure=on";
const std::string kKernel = "build:debian:sid,config=memcg-v1,patches=fuse-no-reclaim-guard";
const std::string kDebugKernel =
    "build:debian:sid,config=memcg-v1+debug-info,patches=fuse-no-reclaim-guard";

// The cache entry of kDebugKernel when it is cached with its vmlinux, else empty.
fs::path cached_debug_kernel() {
  auto r = run_cli({"kernel", "list", "--json"}, 60s);
  if (r.exit_code != 0) return {};
  for (const auto& k : nlohmann::json::parse(r.out)) {
    if (k.value("value", "") == kDebugKernel) {
      fs::path dir = k.value("path", "");
      if (fs::is_regular_file(dir / "vmlinux")) return dir;
    }
  }
  return {};
}

// configs/deadlock.yaml, with the debug-info kernel as `unguarded` when it is cached: the same
// cell ids, the same scenario.
fs::path deadlock_plan(const fs::path& dir, bool debug) {
  std::string yaml = read_file(fs::path(FUSELAB_SOURCE_DIR) / "configs/deadlock.yaml");
  if (debug) {
    auto at = yaml.find("unguarded: " + kKernel);
    EXPECT_NE(at, std::string::npos) << "configs/deadlock.yaml changed its unguarded kernel";
    if (at != std::string::npos) yaml.replace(at + 11, kKernel.size(), kDebugKernel);
  }
  return testing::write_plan(dir, "deadlock.yaml", yaml);
}

TEST(VmDump, HungDeadlockCellLeavesAVmcoreThatDrgnReadsTheServerStackFrom) {
  TempDir dir(fs::temp_directory_path(), "fuselab-vm-");
  const fs::path kernel_dir = cached_debug_kernel();
  const bool debug = !kernel_dir.empty();
  auto plan = deadlock_plan(dir.path(), debug);
  auto r = run_cli({"run", plan.string(), "--cell", kHang, "--dump-on-hang", "--results",
                    (dir.path() / "results").string(), "--accel", "tcg"},
                   15min);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto cell_dir = testing::only_run_dir(dir.path() / "results") / kHang;
  auto result = read_json(cell_dir / "result.json");
  EXPECT_EQ(result["verdict"], "HANG") << result["reason"];
  const auto& dump = result["dump"];
  ASSERT_EQ(dump["status"], "ok") << result.dump(2);
  EXPECT_EQ(result["files"]["vmcore"], "vmcore");
  ASSERT_TRUE(fs::is_regular_file(cell_dir / "vmcore"));
  EXPECT_TRUE(is_elf_core(cell_dir / "vmcore"));
  EXPECT_EQ(dump["format"], "elf") << dump;
  // A 1 GiB guest: the file spans all of memory and its headers; on disk only the pages that
  // are not zero: more than the kernel's own, far less than all.
  const auto bytes = fs::file_size(cell_dir / "vmcore");
  EXPECT_EQ(dump["bytes"].get<std::uint64_t>(), bytes);
  EXPECT_GE(bytes, 1024u << 20);
  EXPECT_LT(bytes, 1030u << 20);
  const auto on_disk = dump["disk_bytes"].get<std::uint64_t>();
  EXPECT_GT(on_disk, 8u << 20);
  EXPECT_LT(on_disk, 600u << 20) << "the dump's zero pages were not punched out";
  EXPECT_GT(dump["seconds"].get<double>(), 0.0);
  EXPECT_NE(read_file(cell_dir / "domain.xml").find("<vmcoreinfo state='on'/>"), std::string::npos);
  if (!debug) {
    std::cout << "[ NOTE ] " << kDebugKernel
              << " is not cached: the vmcore was not opened (no vmlinux with symbols)\n";
    return;
  }
  // What a user runs next: the D-state stacks from the dump, by sid's drgn (ci/dump-tools makes
  // its root when missing: about 3 minutes). The server the agent named blocked in reclaim,
  // waiting for the writeback only it can finish.
  const auto server = result["agent_stall"]["server_pid"].get<int>();
  CommandOptions tools;
  tools.timeout = 15min;
  tools.env_set = {{"FUSELAB", FUSELAB_CLI_PATH}};
  auto stacks = run_command({(fs::path(FUSELAB_SOURCE_DIR) / "ci/dump-tools").string(),
                             cell_dir.string(), std::to_string(server)},
                            tools);
  ASSERT_EQ(stacks.exit_code, 0) << stacks.out << stacks.err;
  std::cout << stacks.out.substr(0, 1200);
  EXPECT_NE(stacks.out.find("pid " + std::to_string(server) + " fuselab-agent D"),
            std::string::npos)
      << stacks.out;
  const auto wait = stacks.out.find("folio_wait_writeback");
  const auto reclaim = stacks.out.find("shrink_folio_list");
  ASSERT_NE(wait, std::string::npos) << stacks.out;
  EXPECT_GT(reclaim, wait) << "folio_wait_writeback is not called from reclaim: " << stacks.out;
  EXPECT_NE(stacks.out.find("fuse_dev_read"), std::string::npos) << stacks.out;
}

// Starts `fuselab repro ARGS` with stdout and stderr to files in `dir`.
pid_t start_repro(const fs::path& dir, std::vector<std::string> args) {
  args.insert(args.begin(), {FUSELAB_CLI_PATH, "repro"});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, (dir / "terminal.out").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, (dir / "terminal.err").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  EXPECT_EQ(posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

// Waits until `file` matches `re`; the match's first group, or empty at the limit.
std::string wait_for(const fs::path& file, const std::regex& re, std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch m;
    std::string text = fs::exists(file) ? read_file(file) : "";
    if (std::regex_search(text, m, re)) return m.size() > 1 ? m[1].str() : m[0].str();
    std::this_thread::sleep_for(500ms);
  }
  return {};
}

TEST(VmGdb, GdbAttachesToTheHungGuestAndReadsTheServersStack) {
  TempDir dir(fs::temp_directory_path(), "fuselab-vm-");
  const fs::path kernel_dir = cached_debug_kernel();
  const bool debug = !kernel_dir.empty();
  auto plan = deadlock_plan(dir.path(), debug);
  const std::string port = "12345";
  pid_t pid = start_repro(dir.path(), {plan.string(), "--cell", kHang, "--gdb", port, "--results",
                                       (dir.path() / "results").string(), "--accel", "tcg"});
  // The banner's command, exactly as a user would paste it.
  std::string command =
      wait_for(dir.path() / "terminal.err",
               std::regex("\n    (gdb [^\n]*target remote 127\\.0\\.0\\.1:" + port + "')\n"), 120s);
  ASSERT_FALSE(command.empty()) << read_file(dir.path() / "terminal.err");
  if (debug) {
    EXPECT_NE(command.find((kernel_dir / "vmlinux").string()), std::string::npos) << command;
  }
  // The hung-task report names the blocked server: "INFO: task fuselab-agent:43 blocked".
  std::string task = wait_for(dir.path() / "terminal.out",
                              std::regex("INFO: task fuselab-agent:([0-9]+) blocked"), 240s);
  ASSERT_FALSE(task.empty()) << read_file(dir.path() / "terminal.err");

  std::vector<std::string> gdb = {"gdb", "-batch", "-nx"};
  if (debug) {
    // As the banner says: the kernel's lx- scripts load with vmlinux from a safe path.
    gdb.insert(gdb.end(), {"-iex", "add-auto-load-safe-path " + kernel_dir.string(),
                           (kernel_dir / "vmlinux").string()});
  }
  gdb.insert(gdb.end(), {"-ex", "target remote 127.0.0.1:" + port, "-ex", "info registers rip"});
  if (debug) {
    // A task that is not on a CPU has its stack behind thread.sp: its return addresses,
    // symbolised, are the backtrace.
    gdb.insert(gdb.end(), {"-ex", "lx-ps", "-ex", "x/160a $lx_task_by_pid(" + task + ").thread.sp",
                           "-ex", "detach"});
  }
  CommandOptions options;
  options.timeout = 120s;
  auto g = run_command(gdb, options);
  EXPECT_EQ(testing::interrupt_and_wait(pid), 0) << read_file(dir.path() / "terminal.err");
  EXPECT_EQ(g.exit_code, 0) << g.out << g.err;
  // Stopped in the guest kernel (nokaslr: at its link address).
  EXPECT_TRUE(std::regex_search(g.out, std::regex("rip +0xffffffff8[0-9a-f]+"))) << g.out << g.err;
  // Ctrl-C with a gdbstub open still leaves nothing behind.
  std::string xml = read_file(testing::only_run_dir(dir.path() / "results") / kHang / "domain.xml");
  auto at = xml.find("<name>") + 6;
  EXPECT_EQ(testing::qemu_processes_mentioning(xml.substr(at, xml.find("</name>") - at)), 0);
  EXPECT_NE(xml.find(" nokaslr</cmdline>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<qemu:arg value='tcp:127.0.0.1:" + port + "'/>"), std::string::npos) << xml;
  if (!debug) {
    std::cout << "[ NOTE ] " << kDebugKernel << " is not cached: gdb ran without symbols\n";
    return;
  }
  EXPECT_NE(g.out.find(" " + task + " "), std::string::npos) << "lx-ps: " << g.out << g.err;
  EXPECT_NE(g.out.find("<folio_wait_writeback+"), std::string::npos) << g.out << g.err;
  EXPECT_NE(g.out.find("<shrink_folio_list+"), std::string::npos) << g.out;
}

}  // namespace
}  // namespace fuselab
