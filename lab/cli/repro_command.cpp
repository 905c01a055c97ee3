#include "cli/repro_command.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cli/repro_session.h"
#include "common/error.h"
#include "common/paths.h"
#include "common/stop_request.h"
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
      "  (console.log, agent.jsonl, domain.xml, result.json, and dmesg.txt if it failed)\n"
      "  Ctrl-] w|t|m|l: sysrq from the host (blocked tasks, all tasks, memory, CPUs)\n",
      options_.cells[0], options_.plan_file.string(),
      shell_ ? "a root shell in the guest follows (serial console in console.log)"
             : "the serial console follows",
      shell_ ? "" : " or Ctrl-C", options_.results_dir.string(), options_.run_id,
      options_.cells[0]);
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
