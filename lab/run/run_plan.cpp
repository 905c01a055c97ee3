#include "run/run_plan.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "common/error.h"
#include "common/host_cpu.h"
#include "common/host_load.h"
#include "common/json_fields.h"
#include "common/paths.h"
#include "common/safe_name.h"
#include "common/stale_files.h"
#include "image/cache_inventory.h"
#include "image/file_lock.h"
#include "matrix/plan.h"
#include "matrix/shard.h"
#include "report/dmesg_evidence.h"
#include "report/report_files.h"
#include "report/run_json_reader.h"
#include "report/text_escape.h"
#include "run/artifact_resolver.h"
#include "run/cell_bundle.h"
#include "run/cell_packing.h"
#include "run/cell_pool.h"
#include "run/cell_runner.h"
#include "run/disk_space.h"
#include "run/expectation.h"
#include "run/guest_name.h"
#include "run/kernel_capabilities.h"
#include "run/leftovers.h"
#include "run/plan_check.h"
#include "vm/accel_probe.h"
#include "vm/backend_registry.h"

namespace fs = std::filesystem;

namespace fuselab {
namespace {

std::string utc_now(const char* format) {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

CellResult run_cell(Backend& backend, const CellSpec& cell, const BootArtifacts& boot,
                    const std::string& run_id, const fs::path& cell_dir,
                    const fs::path& overlay_dir, const std::atomic<bool>& stop,
                    const CellRunOptions& run_options) {
  CellResult result;
  result.cell = cell;
  result.accel = to_string(boot.accel);
  result.kernel_release = boot.kernel_release;
  result.kernel_source = boot.kernel_source;
  CellAttempt attempt;
  for (unsigned n = 1; n <= 1 + cell.infra_retries; ++n) {
    if (n > 1) {
      // Keep the failed attempt's evidence next to the final one.
      for (const char* f : {"console.log", "agent.jsonl"}) {
        std::error_code ec;
        fs::rename(cell_dir / f, cell_dir / fmt::format("attempt{}.{}", n - 1, f), ec);
      }
      spdlog::warn("[{}] infrastructure failure ({}); retrying ({}/{})", cell.id,
                   clean_line(attempt.decision.reason, 300), n - 1, cell.infra_retries);
    }
    VerdictDecision previous = attempt.decision;
    attempt =
        run_cell_attempt(backend, cell, boot, guest_name(run_id, cell.id, static_cast<int>(n)),
                         cell_dir, overlay_dir, stop, run_options);
    if (n > 1) attempt.decision = confirm_boot_error(previous, std::move(attempt.decision));
    result.attempts = static_cast<int>(n);
    if (!attempt.decision.retryable || stop) break;
  }
  result.verdict = attempt.decision.verdict;
  result.reason = attempt.decision.reason;
  result.signature = attempt.decision.signature;
  result.outcomes = attempt.decision.outcomes;
  result.matched = expectation_met(cell, result.verdict, result.signature);
  result.end = to_string(attempt.observation.end);
  result.timing = cell_timing_json(attempt.timing);
  result.agent_result = attempt.agent_result;
  result.agent_stall = attempt.agent_stall;
  result.dump = attempt.dump;
  result.reports = nlohmann::json::array();
  for (const auto& g : attempt.report_groups) {
    result.reports.push_back({{"kind", std::string(to_string(g.first.kind))},
                              {"title", g.first.title},
                              {"task", g.first.task},
                              {"count", g.count},
                              {"first_line", g.first.first_line},
                              {"last_line", g.last_line},
                              {"excerpt", g.first.excerpt},
                              {"truncated", g.first.truncated},
                              {"frames", g.first.frames}});
  }
  if (!attempt.observation.host_detail.empty())
    result.reason += " [" + attempt.observation.host_detail + "]";
  write_cell_bundle(cell_dir, cell, boot, attempt.agent_hello);
  // dmesg.txt before result.json, which names it: a result never points at a missing file.
  result.trace = attempt.trace;
  result.perf = attempt.perf;
  if (wants_dmesg_evidence(result)) {
    std::string console = read_file_or_empty(cell_dir / "console.log");
    write_file_atomic(cell_dir / "dmesg.txt", dmesg_evidence_text(result, console));
  }
  write_file_atomic(cell_dir / "result.json", result_json_text(to_json(result)));
  return result;
}

// Cells whose kernel lacks what they need end SKIP here, before any guest boots; the others are
// returned to run. Soft requirements the kernel lacks are logged: the agent reports what it could
// not apply.
std::vector<size_t> skip_unrunnable(const Plan& plan, const std::vector<size_t>& to_run,
                                    PlanArtifacts& resolver, const fs::path& run_dir,
                                    std::vector<std::optional<CellResult>>& results) {
  std::map<std::string, std::optional<KernelCapabilities>> caps;
  std::map<std::string, unsigned> notes;  // one line per distinct note, not one per cell
  std::vector<size_t> runnable;
  for (size_t i : to_run) {
    const CellSpec& cell = plan.cells[i];
    if (!caps.contains(cell.kernel)) {
      const KernelArtifacts& k = resolver.kernel(cell.kernel);
      caps[cell.kernel] =
          read_kernel_capabilities(find_kernel_config(k.kernel, k.release, k.config));
      if (!caps[cell.kernel])
        spdlog::info("{}: no kernel configuration, its capabilities are checked in the guest",
                     cell.kernel);
    }
    const auto& kernel_caps = caps[cell.kernel];
    if (!kernel_caps) {
      runnable.push_back(i);
      continue;
    }
    auto unmet = unmet_requirements(cell, *kernel_caps);
    std::string reason = skip_reason(unmet);
    for (const auto& u : unmet) {
      if (!u.requirement.hard) ++notes[u.reason];
    }
    if (reason.empty()) {
      runnable.push_back(i);
      continue;
    }
    const VerdictDecision skip = decide_preboot_skip(reason);
    CellResult skipped;
    skipped.cell = cell;
    skipped.verdict = skip.verdict;
    skipped.reason = skip.reason;
    skipped.matched = expectation_met(cell, skip.verdict, skip.signature);
    skipped.end = "not-booted";
    const KernelArtifacts& k = resolver.kernel(cell.kernel);
    skipped.kernel_release = k.release;
    skipped.kernel_source = k.source;
    skipped.timing = {{"cell_s", 0.0}};
    fs::create_directories(run_dir / cell.id);
    write_file_atomic(run_dir / cell.id / "result.json", result_json_text(to_json(skipped)));
    spdlog::info("{}: SKIP: {}", cell.id, reason);
    results[i] = std::move(skipped);
  }
  for (const auto& [note, count] : notes) spdlog::info("note ({} cells): {}", count, note);
  return runnable;
}

}  // namespace

nlohmann::json prepare_plan(const RunOptions& options) {
  Plan plan = load_plan(options.plan_file);
  if (!options.cells.empty()) plan = select_cells(plan, options.cells);
  ArtifactResolver resolver(options.source_dir, options.agent_binary);
  resolver.check_plan(plan);
  nlohmann::json prepared = nlohmann::json::array();
  std::set<BootKey> seen;
  for (const auto& cell : plan.cells) {
    if (!seen.insert(boot_key(cell)).second) continue;
    BootArtifacts boot = resolver.boot(cell);
    prepared.push_back({{"kernel_value", cell.kernel},
                        {"image_value", cell.image},
                        {"kernel", boot.kernel.string()},
                        {"initrd", boot.initrd.string()},
                        {"base_image", boot.base_image.string()},
                        {"release", boot.kernel_release},
                        {"source", boot.kernel_source},
                        {"cmdline", guest_cmdline()}});
    if (!cell.upload.empty()) prepared.back()["upload"] = cell.upload;
  }
  return prepared;
}

// Cells of an earlier run (--resume) that need not run again: finished, not interrupted, and
// not infrastructure failures (those deserve another try). A run killed between a cell's
// result.json and the next run.json (or before the first) still keeps that cell: each cell's own
// result.json counts too.
std::map<std::string, CellResult> finished_cells(const fs::path& run_dir, const Plan& plan) {
  std::map<std::string, CellResult> done;
  if (fs::exists(run_dir / "run.json")) {
    for (auto& r : load_run_summary(run_dir).cells) {
      if (r.verdict != Verdict::Infra) done.emplace(r.cell.id, std::move(r));
    }
  }
  for (const auto& cell : plan.cells) {
    const fs::path file = run_dir / cell.id / "result.json";
    if (done.contains(cell.id) || !fs::exists(file)) continue;
    auto j = nlohmann::json::parse(read_file(file), nullptr, false);
    if (j.is_discarded() || !j.is_object()) continue;  // half-written by a killed run: run it again
    try {
      CellResult r = cell_result_from_json(j);
      if (r.verdict != Verdict::Infra && r.cell.id == cell.id) done.emplace(cell.id, std::move(r));
    } catch (const std::exception&) {
      continue;  // not a result we can trust: the cell runs again
    }
  }
  return done;
}

std::string make_run_id() {
  std::random_device rd;
  return utc_now("%Y%m%d-%H%M%S") + fmt::format("-{:04x}", rd() & 0xffff);
}

RunOutcome run_plan(const RunOptions& options, const std::atomic<bool>& stop) {
  const Clock& clock = options.clock ? *options.clock : steady_clock();
  CellRunOptions cell_options = options.cell;
  cell_options.clock = &clock;
  DumpBudget dump_budget(options.dump_budget.empty()
                             ? kDefaultDumpBudget
                             : parse_size(options.dump_budget, "--dump-budget"));
  cell_options.dump_budget = &dump_budget;
  cell_options.dump_on_hang = options.dump_on_hang;
  if (auto format = parse_dump_format(options.dump_format))
    cell_options.dump_format = *format;
  else
    throw UserError("--dump-format: '" + options.dump_format + "' is not a dump format",
                    "give elf (crash and drgn read it) or kdump (smaller)");
  cell_options.gdb_port = options.gdb_port;
  const auto started = clock.now();
  Plan plan = load_plan(options.plan_file);
  if (!options.cells.empty()) plan = select_cells(plan, options.cells);
  if (options.evidence)
    for (auto& cell : plan.cells) cell.monitor.evidence = true;
  if (options.repro) {
    if (plan.cells.size() != 1)
      throw UserError("repro runs one cell; this plan has " + std::to_string(plan.cells.size()),
                      "name it with --cell ID (`fuselab plan " + options.plan_file.string() +
                          "` lists the ids)");
    // The user is watching: a retry would only start a second guest behind their back.
    plan.cells[0].infra_retries = 0;
    cell_options.hold = true;
  }
  RunOutcome outcome;
  RunSummary& summary = outcome.summary;
  if (!options.shard.empty()) {
    Shard shard = parse_shard(options.shard);
    plan = select_shard(plan, shard);
    summary.shard = options.shard;
    if (plan.cells.empty())
      throw UserError("shard " + options.shard + " of this plan has no cells", "use fewer shards");
  }
  std::unique_ptr<PlanArtifacts> artifacts =
      options.artifacts
          ? options.artifacts()
          : std::make_unique<ArtifactResolver>(options.source_dir, options.agent_binary);
  PlanArtifacts& resolver = *artifacts;
  resolver.check_plan(plan);

  summary.run_id = !options.resume.empty()  ? options.resume
                   : options.run_id.empty() ? make_run_id()
                                            : options.run_id;
  // The run id is a directory under --results: one name, never a path.
  std::string lowered = summary.run_id;
  for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!is_safe_name(lowered, 100)) {
    throw UserError(
        "bad run id '" + clean_line(summary.run_id, 100) + "'",
        "--run-id and --resume take 1-100 characters of A-Z, a-z, 0-9, '.', '_' and '-', "
        "starting with a letter or digit");
  }
  summary.plan_name = plan.name;
  summary.plan_file = options.plan_file.string();
  summary.started_at = utc_now("%Y-%m-%dT%H:%M:%SZ");
  const unsigned host_cpus = std::max(1u, std::thread::hardware_concurrency());
  const std::optional<LoadAverage> load_before = read_load_average();
  summary.host_load = host_load_json(host_cpus, load_before, std::nullopt);
  const bool measures_throughput = std::any_of(plan.cells.begin(), plan.cells.end(),
                                               [](const CellSpec& c) { return c.exclusive; });
  if (measures_throughput && load_before)
    if (auto warning = busy_host_warning(*load_before, host_cpus); !warning.empty())
      spdlog::warn("{}", warning);
  outcome.run_dir = fs::absolute(options.results_dir) / summary.run_id;
  if (!options.resume.empty() && !fs::is_directory(outcome.run_dir)) {
    throw UserError("--resume " + options.resume + ": no run directory " + outcome.run_dir.string(),
                    "give the run id of an earlier run under --results (its directory name)");
  }
  fs::create_directories(outcome.run_dir);
  // Two runs writing one directory would overwrite each other's run.json and cells.
  std::string holder;
  std::optional<FileLock> run_lock = FileLock::try_lock(outcome.run_dir / ".lock", &holder);
  if (!run_lock) {
    throw UserError(outcome.run_dir.string() + " is in use by another fuselab run: " + holder,
                    "wait for that run to end (or stop it), or choose another --run-id");
  }
  std::map<std::string, CellResult> already;
  if (!options.resume.empty()) already = finished_cells(outcome.run_dir, plan);
  const fs::path overlay_parent = overlay_parent_dir();
  check_free_space({cache_dir(), overlay_parent});
  // Before this process opens a libvirt root: what dead runs left goes first (see leftovers.h).
  if (LeftoverCounts c = clean_leftovers(cache_dir(), overlay_parent); c.total() > 0) {
    spdlog::warn(
        "cleaned up after earlier runs that died: {} guest(s), {} overlay dir(s), {} cache file(s)",
        c.guests, c.overlay_dirs, c.cache_files);
  }
  fs::copy_file(options.plan_file, outcome.run_dir / "plan.yaml",
                fs::copy_options::overwrite_existing);

  // Results in plan order, whatever order the cells finish in.
  std::vector<std::optional<CellResult>> results(plan.cells.size());
  std::vector<size_t> to_run;
  for (size_t i = 0; i < plan.cells.size(); ++i) {
    if (auto it = already.find(plan.cells[i].id); it != already.end())
      results[i] = it->second;
    else
      to_run.push_back(i);
  }
  if (!already.empty())
    spdlog::info("resuming {}: {} cells done, {} to run", summary.run_id,
                 plan.cells.size() - to_run.size(), to_run.size());
  auto write_run_json = [&] {
    summary.cells.clear();
    for (const auto& r : results) {
      if (r) summary.cells.push_back(*r);
    }
    summary.wall_s = std::chrono::duration<double>(clock.now() - started).count();
    summary.host_load = host_load_json(host_cpus, load_before, read_load_average());
    write_file_atomic(outcome.run_dir / "run.json", result_json_text(to_json(summary)));
    // junit.xml, summary.md, report.html (and kcidb.json) follow run.json at every step, so an
    // interrupted run has them too.
    try {
      write_reports(summary, outcome.run_dir, ReportOptions{{}, options.kcidb, {}});
    } catch (const std::exception& e) {
      spdlog::warn("could not write the reports: {}", clean_line(e.what()));
    }
  };

  // The accelerator is probed with the first cell's kernel, before any libguestfs work, because
  // libguestfs must be told to use TCG too when KVM cannot run guests.
  const KernelArtifacts& first_kernel = resolver.kernel(plan.cells.front().kernel);
  AccelProbeOptions probe_options;
  probe_options.cache_file = default_accel_cache_file();
  AccelChoice accel = choose_accelerator(options.accel, first_kernel.kernel, probe_options);
  summary.accel = to_string(accel.accel);
  summary.accel_reason = accel.reason;
  if (accel.accel == Accelerator::Tcg && options.accel == "auto") {
    spdlog::warn(
        "using TCG (software emulation): {}{}", accel.reason,
        accel.from_cache
            ? " (decided earlier this host boot; fuselab probe-accel --refresh probes again)"
            : "");
  }
  // libguestfs follows the probe (the image code forces TCG unless told otherwise).
  if (!std::getenv("LIBGUESTFS_BACKEND_SETTINGS")) {
    ::setenv("LIBGUESTFS_BACKEND_SETTINGS", accel.accel == Accelerator::Tcg ? "force_tcg" : "", 1);
  }

  // Everything the cells boot is prepared before the first guest starts: a broken download or
  // image fails the run early, and the image code's setenv() calls run before libvirt's threads.
  to_run = skip_unrunnable(plan, to_run, resolver, outcome.run_dir, results);
  std::map<BootKey, BootArtifacts> boots;
  for (size_t i : to_run) {
    const auto& cell = plan.cells[i];
    auto key = boot_key(cell);
    if (boots.contains(key) || stop) continue;
    boots[key] = resolver.boot(cell);
    boots[key].accel = accel.accel;
  }
  // `cache gc` must not remove what this run's cells boot while it runs.
  std::vector<UniqueFd> held_artifacts;
  for (const auto& [key, boot] : boots) {
    for (const fs::path& f : {boot.kernel, boot.initrd, boot.base_image}) {
      if (!f.empty()) held_artifacts.push_back(hold_in_use(f));
    }
  }

  std::unique_ptr<Backend> backend_owner =
      options.backend ? options.backend(options.connect_uri) : make_backend(options.connect_uri);
  Backend& backend = *backend_owner;
  summary.libvirt_uri = backend.uri();
  if (int swept = backend.sweep_stale_guests(); swept > 0) {
    spdlog::warn("destroyed {} guest(s) left behind by an earlier run", swept);
  }
  // Overlays are big and throwaway. The pid in the name lets a later run remove the directory
  // if this one is killed.
  TempDir overlay_dir(overlay_parent, owned_temp_prefix(kOverlayDirPrefix));
  // A daemon's QEMU may run as another user (Debian: libvirt-qemu): hand it what the cells boot.
  backend.prepare_work_dir(overlay_dir.path());
  for (auto& [key, boot] : boots) {
    boot.kernel = backend.guest_readable(boot.kernel, overlay_dir.path());
    boot.initrd = backend.guest_readable(boot.initrd, overlay_dir.path());
    if (!boot.base_image.empty())
      boot.base_image = backend.guest_readable(boot.base_image, overlay_dir.path(), true);
  }
  write_run_json();

  // -j N runs N at once. By default the packer decides: as many as the host has CPUs for, and
  // more beside guests that measurably leave the CPUs idle (hung, livelocked), up to
  // max_packed_jobs(). Cells expected to end hung or stalled start first, so that the rest can
  // run beside their waits.
  const bool packing = options.jobs == 0;
  PackingRules rules;
  rules.cpus = host_cpus;
  rules.room_jobs = default_jobs(plan);
  rules.max_jobs = packing ? std::max(rules.room_jobs, max_packed_jobs(plan)) : options.jobs;
  const unsigned jobs = rules.max_jobs;
  CellPacker packer(rules);
  if (packing && jobs > rules.room_jobs) {
    std::stable_partition(to_run.begin(), to_run.end(), [&](size_t i) {
      const auto& expect = plan.cells[i].expect;
      return expect == "HANG" || expect == "STALL";
    });
  }
  summary.packing = {{"mode", packing ? "measured" : "fixed"},
                     {"room_jobs", rules.room_jobs},
                     {"max_jobs", jobs},
                     {"peak_jobs", 0}};
  if (packing && jobs > rules.room_jobs)
    spdlog::info("{} cells to run: {} at a time, up to {} beside guests that leave the CPUs idle",
                 to_run.size(), rules.room_jobs, jobs);
  else
    spdlog::info("{} cells to run, {} at a time", to_run.size(), jobs);
  std::vector<unsigned> started_beside(to_run.size(), 0);
  size_t peak_jobs = 0;
  PoolAdmit admit = [&](size_t k, size_t running) {
    const auto& cell = plan.cells[to_run[k]];
    if (packing &&
        !packer.may_start(clock.now(), read_cpu_times(), std::max(1u, cell.vcpus), running))
      return false;
    started_beside[k] = static_cast<unsigned>(running);
    peak_jobs = std::max(peak_jobs, running + 1);
    summary.packing["peak_jobs"] = peak_jobs;
    if (packing && running >= rules.room_jobs)
      spdlog::info("{}: starting beside {} running cell(s): {:.1f} of {} CPUs idle", cell.id,
                   running, packer.last_idle_cores().value_or(0.0), host_cpus);
    return true;
  };
  std::vector<std::optional<CellResult>> fresh(to_run.size());
  run_pool(
      to_run.size(), jobs, stop,
      [&](size_t k) {
        const auto& cell = plan.cells[to_run[k]];
        spdlog::debug("{}: starting", cell.id);
        try {
          fresh[k] = run_cell(backend, cell, boots.at(boot_key(cell)), summary.run_id,
                              outcome.run_dir / cell.id, overlay_dir.path(), stop, cell_options);
          fresh[k]->started_beside = started_beside[k];
        } catch (const std::exception& e) {
          // A worker thread must not throw: the cell is an infrastructure failure, the run goes on.
          const VerdictDecision d = decide_runner_failure(e.what());
          CellResult failed;
          failed.cell = cell;
          failed.verdict = d.verdict;
          failed.reason = d.reason;
          failed.end = std::string(to_string(CellEnd::HostError));
          failed.matched = verdict_expected(cell.expect, to_string(d.verdict));
          fresh[k] = std::move(failed);
        }
      },
      [&](size_t k, const PoolProgress& p) {
        const CellResult& r = *fresh[k];
        results[to_run[k]] = r;
        spdlog::info("{}: {}{} ({:.1f} s)  [{} done, {} running, {} left{}]", r.cell.id,
                     to_string(r.verdict), r.matched ? "" : " (expected " + r.cell.expect + ")",
                     json_double_field(r.timing, "cell_s").value_or(0.0), p.done, p.running, p.left,
                     p.left + p.running > 0 ? fmt::format(", ETA {:.0f} s", p.eta_s) : "");
        write_run_json();
      },
      [&](size_t k) { return plan.cells[to_run[k]].exclusive; }, admit);
  summary.interrupted = stop;
  write_run_json();
  outcome.exit_code = run_exit_code(summary);
  return outcome;
}

}  // namespace fuselab
