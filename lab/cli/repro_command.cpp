#include "cli/repro_command.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cli/repro_session.h"
#include "common/error.h"
#include "common/paths.h"
#include "common/stop_request.h"
#include "image/kernel_debug.h"
#include "matrix/plan.h"
#include "matrix/shard.h"
#include "run/artifact_resolver.h"
#include "run/leftovers.h"

namespace fuselab {
namespace fs = std::filesystem;

std::string terminal_safe(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (unsigned char c : bytes) {
    if ((c >= 0x20 && c != 0x7f) || c == '\n' || c == '\r' || c == '\t')
      out += static_cast<char>(c);
    else if (c == 0x1b)
      out += "^[";
  }
  return out;
}

void add_dump_options(CLI::App* sub, RunOptions& options) {
  sub->add_flag("--dump-on-hang", options.dump_on_hang,
                "dump a HANG/STALL guest's memory to CELL_DIR/vmcore before it is destroyed");
  sub->add_option("--dump-format", options.dump_format,
                  "elf (default: a sparse ELF core, which crash and drgn read) or kdump "
                  "(kdump-compressed, smaller, unread by today's tools)")
      ->check(CLI::IsMember({"elf", "kdump"}));
  sub->add_option("--dump-budget", options.dump_budget,
                  "disk the run's dumps may take, e.g. 8G (default 4G); a dump that does not fit "
                  "is skipped with a note");
}

unsigned parse_gdb_port(const std::string& value) {
  if (value.empty()) return 1234;
  unsigned port = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), port);
  if (ec != std::errc() || end != value.data() + value.size() || port < 1024 || port > 65535)
    throw UserError("--gdb: '" + value + "' is not a port number from 1024 to 65535",
                    "give the port after --gdb, or put --gdb after the target");
  return port;
}

namespace {

// QEMU would fail to start on a taken port, after the boot artifacts were prepared: ask first.
bool port_is_free(unsigned port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return true;  // cannot tell: let QEMU say
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return free;
}

}  // namespace

void ReproCommand::print_gdb_banner() {
  if (!port_is_free(options_.gdb_port))
    throw UserError("--gdb: port " + std::to_string(options_.gdb_port) + " on 127.0.0.1 is in use",
                    "pick another: --gdb PORT");
  // The cell's kernel, as run_plan resolves it (from the cache when prepared).
  Plan plan = select_cells(load_plan(options_.plan_file), options_.cells);
  ArtifactResolver resolver(options_.source_dir, options_.agent_binary);
  KernelDebugInfo debug = kernel_debug_info(resolver.kernel(plan.cells.at(0).kernel));
  std::cerr << fmt::format(
      "  gdb: QEMU's gdbstub on 127.0.0.1:{} (the kernel boots with nokaslr); attach with\n"
      "    {}\n",
      options_.gdb_port, gdb_command(debug, options_.gdb_port));
  if (!debug.note.empty()) std::cerr << "    (" << debug.note << ")\n";
  if (!debug.gdb_script.empty())
    std::cerr << "    lx- commands (lx-ps, lx-dmesg, $lx_task_by_pid(PID)) load with vmlinux\n";
}

ReproCommand::ReproCommand(CLI::App& app, RunOptions& options) : options_(options) {
  repro_ = app.add_subcommand(
      "repro", "boot one cell again in the foreground, console on the terminal, until Ctrl-C");
  repro_
      ->add_option("target", target_,
                   "a plan file (with --cell ID), or a cell directory of an earlier run "
                   "(results/RUN/CELL_ID)")
      ->required();
  repro_->add_option("--cell", cell_, "the cell id, with a plan file");
  repro_->add_option("--connect", options.connect_uri,
                     "libvirt URI (default: the embedded QEMU driver, no daemon needed)");
  repro_->add_option("--results", options.results_dir, "where results/repro-<time>/ goes")
      ->capture_default_str();
  repro_->add_option("--accel", options.accel, "auto (probe KVM, else TCG), kvm or tcg")
      ->capture_default_str();
  repro_->add_option("--agent", options.agent_binary,
                     "guest agent binary (default: the built one)");
  repro_->add_flag("--shell", shell_,
                   "a root shell in the guest on this terminal, started before the scenario "
                   "outside the tested memcg (Ctrl-] q quits, Ctrl-] ? lists the keys)");
  repro_
      ->add_option("--gdb", gdb_,
                   "QEMU's gdbstub on 127.0.0.1:PORT (default 1234), nokaslr, and the gdb "
                   "command to attach")
      ->expected(0, 1)
      ->type_name("[PORT]");
  add_dump_options(repro_, options);
}

int ReproCommand::run() {
  fs::path target = target_;
  if (fs::is_directory(target)) {
    // A cell directory of a run: the run kept its plan beside the cells.
    fs::path cell_dir = fs::absolute(target).lexically_normal();
    if (cell_dir.filename().empty()) cell_dir = cell_dir.parent_path();
    fs::path plan = cell_dir.parent_path() / "plan.yaml";
    if (!fs::is_regular_file(plan))
      throw UserError(
          target.string() + " is not a cell directory of a fuselab run (no " + plan.string() + ")",
          "give results/RUN/CELL_ID, or a plan file with --cell ID");
    if (!cell_.empty() && cell_ != cell_dir.filename().string())
      throw UserError("--cell " + cell_ + " does not match the cell directory " +
                      cell_dir.filename().string());
    options_.plan_file = plan;
    options_.cells = {cell_dir.filename().string()};
  } else {
    if (cell_.empty())
      throw UserError("repro of a plan needs --cell ID",
                      "`fuselab plan " + target.string() + "` lists the ids");
    options_.plan_file = target;
    options_.cells = {cell_};
  }
  options_.repro = true;
  options_.jobs = 1;
  if (options_.run_id.empty()) options_.run_id = "repro-" + make_run_id();
  // The terminal, the shell and the keys (repro_session.h); console.log gets every byte anyway.
  ReproSession session(shell_, stop_request());
  options_.cell.console_tee = [&session](std::string_view bytes) { session.console(bytes); };
  options_.cell.shell = shell_;
  options_.cell.session = &session;
  std::cerr << fmt::format(
      "fuselab repro: cell {} of {}\n"
      "  {}; no cell deadline: the guest stays up, hung or not\n"
      "  Ctrl-] q{} stops the guest; its files stay in {}/{}/{}/\n"
      "  (console.log, agent.jsonl, domain.xml, result.json, and dmesg.txt if it failed;\n"
      "   vmcore with --dump-on-hang)\n"
      "  Ctrl-] w|t|m|l: sysrq from the host (blocked tasks, all tasks, memory, CPUs)\n",
      options_.cells[0], options_.plan_file.string(),
      shell_ ? "a root shell in the guest follows (serial console in console.log)"
             : "the serial console follows",
      shell_ ? "" : " or Ctrl-C", options_.results_dir.string(), options_.run_id,
      options_.cells[0]);
  if (repro_->count("--gdb") > 0) {
    options_.gdb_port = parse_gdb_port(gdb_);
    print_gdb_banner();
  }
  CleanupGuardian guardian(cache_dir(), overlay_parent_dir());
  RunOutcome outcome = run_plan(options_, stop_request());
  const CellResult* cell = outcome.summary.cells.empty() ? nullptr : &outcome.summary.cells[0];
  std::cerr << "\nfuselab repro: "
            << (cell ? fmt::format("{} ({}), ", to_string(cell->verdict), cell->reason) : "")
            << "files in " << (outcome.run_dir / options_.cells[0]).string() << "\n";
  // Ctrl-C is how a repro ends: not a failure. Errors of the lab still are.
  if (outcome.exit_code == 130) return 0;
  return outcome.exit_code == 3 ? 3 : 0;
}

}  // namespace fuselab
