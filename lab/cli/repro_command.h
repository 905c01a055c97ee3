// `fuselab repro`: one cell of a plan again, in the foreground, with its serial console on the
// terminal and no cell deadline; the guest stays up (hung or not) until Ctrl-C. Its files are a
// run's (console.log, agent.jsonl, domain.xml, dmesg.txt, result.json) under results/repro-*.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "run/run_plan.h"

namespace fuselab {

class ReproCommand {
 public:
  // Registers the subcommand on `app`; it fills `options` when parsed.
  ReproCommand(CLI::App& app, RunOptions& options);
  bool selected() const { return repro_->parsed(); }
  int run();

 private:
  CLI::App* repro_ = nullptr;
  RunOptions& options_;
  std::string target_;  // PLAN (with --cell) or RUN_DIR/CELL_ID
  std::string cell_;
  bool shell_ = false;
  std::string gdb_;  // --gdb [PORT]: the port as given, empty for the default
  void print_gdb_banner();
};

// --dump-on-hang and --dump-budget, which `run` and `repro` share.
void add_dump_options(CLI::App* sub, RunOptions& options);

// The --gdb value: empty (given without a port) is 1234, gdb's habit; else a port number.
unsigned parse_gdb_port(const std::string& value);

// Guest console bytes made safe for a terminal: text, newlines, tabs and UTF-8 pass; escape
// sequences and other control bytes (which could retitle or reprogram the terminal) do not.
std::string terminal_safe(std::string_view bytes);

}  // namespace fuselab
