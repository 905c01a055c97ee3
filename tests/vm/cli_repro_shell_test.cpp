// `fuselab repro --shell` as a person uses it, through a real terminal (tmux): the guest's root
// shell comes up on the terminal, answers a command, a sysrq sent from the host with the escape
// key shows up, Ctrl-] q quits, and nothing is left behind (QEMU process, libvirt domain,
// overlay). Real guests under TCG; the terminal is read back as the user would see it.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "common/subprocess.h"
#include "support/cli_runner.h"
#include "support/qemu_processes.h"

namespace fuselab {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A tmux server of the test's own (its socket in the test's directory), one pane.
class Terminal {
 public:
  explicit Terminal(const fs::path& dir) : socket_(dir / "tmux.sock") {
    fs::path conf = dir / "tmux.conf";
    // The whole session stays readable: a boot log and the shell's output fit in the history.
    write_file_atomic(conf, "set -g history-limit 100000\nset -g remain-on-exit on\n");
    auto r = tmux(
        {"-f", conf.string(), "new-session", "-d", "-s", "t", "-x", "160", "-y", "50", "/bin/sh"});
    started_ = r.ok();
    EXPECT_TRUE(started_) << r.err;
  }
  ~Terminal() { tmux({"kill-server"}); }

  // Keys as tmux names them ("Enter", "C-]") or literal text with `literal`.
  void keys(const std::string& what, bool literal = false) {
    std::vector<std::string> args = {"send-keys", "-t", "t"};
    if (literal) args.push_back("-l");
    args.push_back(what);
    tmux(args);
  }
  void type_line(const std::string& line) {
    keys(line, true);
    keys("Enter");
  }
  // Everything the pane showed, wrapped lines joined.
  std::string screen() { return tmux({"capture-pane", "-p", "-J", "-t", "t", "-S", "-"}).out; }
  // Waits until the screen shows `text` (after `from`, a count of its occurrences to skip).
  bool wait_for(const std::string& text, std::chrono::seconds limit, size_t skip = 0) {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      if (count(screen(), text) > skip) return true;
      std::this_thread::sleep_for(200ms);
    }
    return false;
  }
  static size_t count(const std::string& haystack, const std::string& needle) {
    size_t n = 0;
    for (size_t at = haystack.find(needle); at != std::string::npos;
         at = haystack.find(needle, at + 1))
      ++n;
    return n;
  }

 private:
  CommandResult tmux(std::vector<std::string> args) {
    args.insert(args.begin(), {"tmux", "-S", socket_.string()});
    CommandOptions options;
    options.timeout = 10s;
    return run_command(args, options, "tmux");
  }
  fs::path socket_;
  bool started_ = false;
};

std::string guest_name(const fs::path& cell_dir) {
  std::string xml = read_file(cell_dir / "domain.xml");
  auto at = xml.find("<name>") + 6;
  return xml.substr(at, xml.find("</name>") - at);
}

// Status XMLs of embedded libvirt roots that still name this guest: a domain left defined.
int domains_named(const std::string& guest) {
  int n = 0;
  std::error_code ec;
  for (const auto& slot : fs::directory_iterator(cache_dir() / "libvirt", ec)) {
    std::error_code sec;
    for (const auto& f : fs::directory_iterator(slot.path() / "run" / "qemu", sec))
      if (f.path().filename() == guest + ".xml") ++n;
  }
  return n;
}

TEST(VmReproShell, ARootShellAnswersOnTheTerminalAndHostSysrqShowsBlockedTasks) {
  TempDir dir(fs::temp_directory_path(), "fuselab-vm-");
  fs::create_directories(dir.path() / "work");
  fs::path results = dir.path() / "results";
  auto plan = testing::write_plan(dir.path(), "quick.yaml",
                                  "cells:\n  - id: quick\n    workload: {size_mib: 8}\n");
  Terminal term(dir.path());
  const auto t0 = Clock::now();
  term.type_line("env FUSELAB_WORK_DIR=" + (dir.path() / "work").string() + " " + FUSELAB_CLI_PATH +
                 " repro " + plan.string() + " --cell quick --results " + results.string() +
                 " --accel tcg --shell");
  // The prompt of the guest's shell (PS1 set by the agent), not the command line typed above.
  ASSERT_TRUE(term.wait_for("fuselab-guest:~# ", 180s)) << term.screen();
  const double to_prompt = std::chrono::duration<double>(Clock::now() - t0).count();
  RecordProperty("command_to_prompt_s", std::to_string(to_prompt));
  std::cout << "fuselab repro --shell: command to guest prompt in " << to_prompt << " s\n";

  // In the guest: its own kernel stack, its locked memory (the agent's mlockall preload), then a
  // marker whose typed form differs.
  term.type_line("cat /proc/self/stack; grep VmLck /proc/self/status; echo shell-marker-$((6*7))");
  ASSERT_TRUE(term.wait_for("shell-marker-42", 60s)) << term.screen();
  std::string screen = term.screen();
  EXPECT_NE(screen.find("[<0>] "), std::string::npos) << "no kernel stack: " << screen;
  EXPECT_EQ(screen.find("VmLck:\t       0 kB"), std::string::npos) << "bash is not locked";
  EXPECT_NE(screen.find("VmLck:"), std::string::npos) << screen;

  // Sysrq w from the host: no guest userspace involved; the repro shows the serial console for
  // its answer.
  term.keys("C-]");
  term.keys("w", true);
  EXPECT_TRUE(term.wait_for("Show Blocked State", 60s)) << term.screen();

  fs::path cell_dir;
  for (const auto& e : fs::directory_iterator(results))
    if (e.path().filename().string().starts_with("repro-")) cell_dir = e.path() / "quick";
  ASSERT_FALSE(cell_dir.empty());
  const std::string guest = guest_name(cell_dir);
  EXPECT_EQ(testing::qemu_processes_mentioning(guest), 1);
  EXPECT_NE(read_file(cell_dir / "domain.xml").find("<target type='virtio'"), std::string::npos);

  term.keys("C-]");
  term.keys("q", true);
  ASSERT_TRUE(term.wait_for("files in ", 60s)) << term.screen();
  term.type_line("echo repro-exit=$?");
  EXPECT_TRUE(term.wait_for("repro-exit=0", 30s)) << term.screen();
  // The terminal is the user's again: `stty -a` reads the modes a shell works in.
  term.type_line("stty -a | grep -q -- -icanon && echo term-raw || echo term-sane");
  EXPECT_TRUE(term.wait_for("term-sane", 10s, 1)) << term.screen();

  EXPECT_NE(read_file(cell_dir / "console.log").find("sysrq: Show Blocked State"),
            std::string::npos);
  EXPECT_EQ(testing::qemu_processes_mentioning(guest), 0) << "a QEMU process was left behind";
  EXPECT_EQ(domains_named(guest), 0) << "a libvirt domain was left behind";
  EXPECT_TRUE(fs::is_empty(dir.path() / "work")) << "an overlay was left behind";
  auto result = testing::read_json(cell_dir / "result.json");
  EXPECT_EQ(result["verdict"], "PASS") << result["reason"];
}

}  // namespace
}  // namespace fuselab
