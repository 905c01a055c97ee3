#include "cli/cli.h"

#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <ctime>
#include <iostream>

#include "cli/cache_command.h"
#include "cli/compare_command.h"
#include "cli/figures_command.h"
#include "cli/kernel_command.h"
#include "cli/repro_command.h"
#include "cli/sysrq_command.h"
#include "common/error.h"
#include "common/paths.h"
#include "common/stop_request.h"
#include "image/artifacts.h"
#include "image/kernel_steps.h"
#include "matrix/plan.h"
#include "report/plan_table.h"
#include "report/text_escape.h"
#include "run/artifact_resolver.h"
#include "run/leftovers.h"
#include "run/merge_runs.h"
#include "run/plan_check.h"
#include "run/plan_preview.h"
#include "run/run_plan.h"
#include "vm/accel_probe.h"

namespace fs = std::filesystem;

namespace fuselab {
namespace {

// SIGINT/SIGTERM: the one stop request every wait polls. A kernel build under run/prepare stops
// too (make reads it as its stop token): it would otherwise hold Ctrl-C for minutes.
void on_signal(int) { stop_request() = true; }

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
}

fs::path default_agent() {
  if (const char* env = std::getenv("FUSELAB_AGENT"); env && *env) return env;
  return FUSELAB_AGENT_BUILD_PATH;
}

fs::path default_source_dir() {
  if (const char* env = std::getenv("FUSELAB_SOURCE_DIR"); env && *env) return env;
  return FUSELAB_SOURCE_DIR;
}

void setup_logging(int verbosity) {
  auto logger = spdlog::stderr_color_mt("fuselab");
  spdlog::set_default_logger(logger);
  // Detail comes with timestamps: -v is for finding where the time goes.
  spdlog::set_pattern(verbosity > 0 ? "%H:%M:%S.%e %^%l%$: %v" : "%^%l%$: %v");
  spdlog::set_level(verbosity >= 2   ? spdlog::level::trace
                    : verbosity == 1 ? spdlog::level::debug
                                     : spdlog::level::info);
}

// Shows the decision, why and its age. A cached answer needs no kernel, so this is instant on a
// host that already probed; otherwise the kernel is fetched and booted briefly under KVM.
int run_probe_accel(const RunOptions& options, const std::string& kernel, bool refresh) {
  AccelProbeOptions probe;
  probe.cache_file = default_accel_cache_file();
  probe.refresh = refresh;
  std::optional<AccelChoice> choice;
  if (!refresh) choice = cached_accelerator(probe.cache_file);
  if (!choice) {
    ArtifactResolver resolver(options.source_dir, options.agent_binary);
    choice = choose_accelerator("auto", resolver.kernel(kernel).kernel, probe);
  }
  long long age =
      std::max<long long>(0, static_cast<long long>(std::time(nullptr)) - choice->probed_at);
  std::cout << to_string(choice->accel) << ": " << choice->reason << "\n"
            << (choice->from_cache ? "decided " + std::to_string(age) + " s ago by an earlier probe"
                                   : std::string("decided now by a probe boot"))
            << " (cached for this host boot and QEMU binary in " << probe.cache_file.string()
            << "; --refresh probes again)\n";
  return 0;
}

}  // namespace

int cli_main(int argc, char** argv) {
  // The helper each run starts to clean up if it is killed (see run/leftovers.h); not for users.
  if (argc >= 2 && std::string(argv[1]) == kGuardianCommand) {
    setup_logging(0);
    return cleanup_guardian_main(argc, argv);
  }
  CLI::App app{"fuselab: a QEMU/libvirt lab for FUSE writeback under memory pressure"};
  app.require_subcommand(1);
  app.fallthrough();  // -v after the subcommand works too
  app.set_version_flag("--version", "fuselab 0.1.0");
  int verbosity = 0;
  app.add_flag("-v,--verbose", verbosity, "more detail (-vv for everything)");

  RunOptions options;
  options.agent_binary = default_agent();
  options.source_dir = default_source_dir();
  auto add_common = [&](CLI::App* sub) {
    sub->add_option("plan", options.plan_file, "YAML plan, e.g. configs/smoke.yaml")->required();
    sub->add_option("--agent", options.agent_binary, "guest agent binary (default: the built one)");
    sub->add_option("--cell", options.cells,
                    "only this cell id (repeatable; `fuselab plan` lists ids)");
  };

  CLI::App* run = app.add_subcommand("run", "boot the plan's cells and report a verdict for each");
  add_common(run);
  run->add_option("--connect", options.connect_uri,
                  "libvirt URI (default: the embedded QEMU driver, no daemon needed)");
  run->add_option("--results", options.results_dir, "where results/<run-id>/ goes")
      ->capture_default_str();
  run->add_option("--accel", options.accel, "auto (probe KVM, else TCG), kvm or tcg")
      ->capture_default_str();
  run->add_option("--run-id", options.run_id, "name of the run directory (default: time-based)");
  run->add_option("--resume", options.resume,
                  "run id to continue: its finished cells are kept, the rest run");
  run->add_option("--shard", options.shard,
                  "K/N: run only shard K of N (deterministic by cell id)");
  run->add_flag("--kcidb", options.kcidb, "also write kcidb.json (KCIDB v4 submission)");
  run->add_flag("--evidence", options.evidence,
                "bring back trace.txt and dmesg.txt from every cell, passing ones too");
  run->add_option("-j,--jobs", options.jobs, "cells at once (default: from host CPUs and memory)");
  add_dump_options(run, options);

  CLI::App* prepare =
      app.add_subcommand("prepare", "fetch and build the kernels and images a plan needs");
  add_common(prepare);
  bool prepare_json = false;
  prepare->add_flag("--json", prepare_json, "print the prepared files as JSON (for scripts)");

  CLI::App* plan_cmd =
      app.add_subcommand("plan", "list a plan's cells and their expected verdicts, boot nothing");
  plan_cmd->add_option("plan", options.plan_file, "YAML plan")->required();
  bool plan_json = false;
  plan_cmd->add_flag("--json", plan_json, "print the expanded cells as JSON");

  std::vector<fs::path> merge_inputs;
  fs::path merge_into;
  CLI::App* merge = app.add_subcommand("merge", "join shard results into one run directory");
  merge->add_option("runs", merge_inputs, "run directories (results/<run-id>)")->required();
  merge->add_option("--into", merge_into, "the merged run directory to write")->required();

  std::string probe_kernel = "debian:bookworm:cloud-amd64";
  CLI::App* probe = app.add_subcommand("probe-accel", "tell which accelerator can run guests here");
  probe->add_option("--kernel", probe_kernel, "kernel to probe with")->capture_default_str();
  bool probe_refresh = false;
  probe->add_flag("--refresh", probe_refresh,
                  "probe again even if this host boot already has an answer");

  KernelCommand kernel_cmd(app);
  CacheCommand cache_cmd(app);
  CompareCommand compare_cmd(app);
  FiguresCommand figures_cmd(app);
  ReproCommand repro_cmd(app, options);
  SysrqCommand sysrq_cmd(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  setup_logging(verbosity);
  install_signal_handlers();

  try {
    if (*run) {
      // Started before run_plan takes any lock, so that it inherits none.
      CleanupGuardian guardian(cache_dir(), overlay_parent_dir());
      RunOutcome outcome = run_plan(options, stop_request());
      std::cout << format_table(outcome.summary);
      std::cout << "results: " << outcome.run_dir.string()
                << " (report.html, junit.xml, summary.md, run.json)\n";
      if (outcome.summary.interrupted) std::cout << "interrupted: finished cells were kept\n";
      return outcome.exit_code;
    }
    if (*merge) {
      RunSummary merged = merge_runs(merge_inputs, merge_into);
      std::cout << format_table(merged) << "results: " << fs::absolute(merge_into).string() << "\n";
      return run_exit_code(merged);
    }
    if (*plan_cmd) {
      Plan plan = load_plan(options.plan_file);
      // What `run` would reject before booting, `plan` rejects too.
      check_plan_values(plan, ArtifactResolver(options.source_dir, options.agent_binary));
      if (plan_json) {
        nlohmann::json cells = nlohmann::json::array();
        for (const auto& c : plan.cells) cells.push_back(cell_spec_json(c));
        std::cout << nlohmann::json{{"name", plan.name}, {"cells", cells}}.dump(2) << "\n";
      } else {
        std::cout << format_plan(plan)
                  << format_capability_preview(plan, cache_dir_path() / "kernels");
      }
      return 0;
    }
    if (*prepare) {
      auto prepared = prepare_plan(options);
      if (prepare_json) {
        std::cout << prepared.dump(2) << "\n";
      } else {
        for (const auto& p : prepared) {
          std::cout << p["kernel_value"].get<std::string>() << " + "
                    << p["image_value"].get<std::string>() << ":\n  kernel "
                    << p["kernel"].get<std::string>() << "\n  initrd "
                    << p["initrd"].get<std::string>() << "\n  image  "
                    << p["base_image"].get<std::string>() << "\n";
        }
      }
      return 0;
    }
    if (cache_cmd.selected()) return cache_cmd.run();
    if (compare_cmd.selected()) return compare_cmd.run();
    if (figures_cmd.selected()) return figures_cmd.run();
    if (repro_cmd.selected()) return repro_cmd.run();
    if (sysrq_cmd.selected()) return sysrq_cmd.run();
    if (kernel_cmd.selected()) return kernel_cmd.run(options.source_dir, options.agent_binary);
    if (*probe) {
      return run_probe_accel(options, probe_kernel, probe_refresh);
    }
  } catch (const KernelBuildInterrupted& e) {
    std::cerr << "fuselab: interrupted: " << clean_text(e.what()) << "\n";
    return 130;
  } catch (const Interrupted& e) {
    std::cerr << "fuselab: " << e.what() << "\n";
    return 130;
  } catch (const UserError& e) {
    // Messages may quote a run.json or tool output: no terminal escapes reach the user's terminal.
    std::cerr << "fuselab: error: " << clean_text(e.what()) << "\n";
    if (!e.hint().empty()) std::cerr << "hint: " << clean_text(e.hint()) << "\n";
    return 2;
  } catch (const InfraError& e) {
    std::cerr << "fuselab: infrastructure error: " << clean_text(e.what()) << "\n";
    return 3;
  } catch (const std::exception& e) {
    std::cerr << "fuselab: internal error: " << clean_text(e.what()) << "\n";
    return 3;
  }
  return 0;
}

}  // namespace fuselab
