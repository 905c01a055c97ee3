#include "run/run_plan.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <ctime>
#include <map>
#include <random>
#include <set>

#include "common/error.h"
#include "common/paths.h"
#include "matrix/plan.h"
#include "run/artifact_resolver.h"
#include "run/cell_runner.h"
#include "vm/accel_probe.h"
#include "vm/libvirt_backend.h"

namespace fs = std::filesystem;

namespace fuselab {
namespace {

using Clock = std::chrono::steady_clock;

std::string utc_now(const char* format) {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

std::string make_run_id() {
  std::random_device rd;
  return utc_now("%Y%m%d-%H%M%S") + fmt::format("-{:04x}", rd() & 0xffff);
}

// Short, unique, and recognisable as ours in `virsh list`.
// Matrix ids hold '=' and ','; QEMU's -name and socket paths are happier without them.
std::string guest_name(const std::string& run_id, const std::string& cell_id, int attempt) {
  std::string safe = cell_id.substr(0, 40);
  for (char& c : safe) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
  }
  return fmt::format("fl-{}-{}-{}", run_id.substr(run_id.size() - 4), safe, attempt);
}

void check_plan(const Plan& plan, ArtifactResolver& resolver) {
  for (const auto& cell : plan.cells) resolver.check(cell.kernel, cell.image);
}

CellResult run_cell(Backend& backend, const CellSpec& cell, const BootArtifacts& boot,
                    const std::string& run_id, const fs::path& cell_dir, const fs::path& overlay_dir,
                    const std::atomic<bool>& stop) {
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
      spdlog::warn("[{}] infrastructure failure ({}); retrying ({}/{})", cell.id, attempt.decision.reason,
                   n - 1, cell.infra_retries);
    }
    attempt = run_cell_attempt(backend, cell, boot, guest_name(run_id, cell.id, static_cast<int>(n)),
                               cell_dir, overlay_dir, stop);
    result.attempts = static_cast<int>(n);
    if (!attempt.decision.retryable || stop) break;
  }
  result.verdict = attempt.decision.verdict;
  result.reason = attempt.decision.reason;
  result.signature = attempt.decision.signature;
  result.matched = std::string(to_string(result.verdict)) == cell.expect &&
                   (cell.expect_signature.empty() ||
                    result.signature.find(cell.expect_signature) != std::string::npos);
  result.end = to_string(attempt.observation.end);
  result.timing = {{"start_s", attempt.timing.start_s},
                   {"boot_to_hello_s", attempt.timing.boot_to_hello_s},
                   {"guest_uptime_at_hello_s", attempt.timing.guest_uptime_at_hello_s},
                   {"cell_s", attempt.timing.cell_s}};
  result.agent_result = attempt.agent_result;
  result.reports = nlohmann::json::array();
  for (const auto& g : attempt.report_groups) {
    result.reports.push_back({{"kind", std::string(to_string(g.first.kind))},
                              {"title", g.first.title},
                              {"task", g.first.task},
                              {"count", g.count},
                              {"first_line", g.first.first_line},
                              {"frames", g.first.frames}});
  }
  if (!attempt.observation.host_detail.empty()) result.reason += " [" + attempt.observation.host_detail + "]";
  write_file_atomic(cell_dir / "result.json", to_json(result).dump(2) + "\n");
  return result;
}

}  // namespace

nlohmann::json prepare_plan(const RunOptions& options) {
  Plan plan = load_plan(options.plan_file);
  ArtifactResolver resolver(options.source_dir, options.agent_binary);
  check_plan(plan, resolver);
  nlohmann::json prepared = nlohmann::json::array();
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& cell : plan.cells) {
    if (!seen.insert({cell.kernel, cell.image}).second) continue;
    BootArtifacts boot = resolver.boot(cell.kernel, cell.image);
    prepared.push_back({{"kernel_value", cell.kernel},
                        {"image_value", cell.image},
                        {"kernel", boot.kernel.string()},
                        {"initrd", boot.initrd.string()},
                        {"base_image", boot.base_image.string()},
                        {"release", boot.kernel_release},
                        {"source", boot.kernel_source},
                        {"cmdline", guest_cmdline()}});
  }
  return prepared;
}

RunOutcome run_plan(const RunOptions& options, const std::atomic<bool>& stop) {
  const auto started = Clock::now();
  Plan plan = load_plan(options.plan_file);
  ArtifactResolver resolver(options.source_dir, options.agent_binary);
  check_plan(plan, resolver);

  RunOutcome outcome;
  RunSummary& summary = outcome.summary;
  summary.run_id = options.run_id.empty() ? make_run_id() : options.run_id;
  summary.plan_name = plan.name;
  summary.plan_file = options.plan_file.string();
  summary.started_at = utc_now("%Y-%m-%dT%H:%M:%SZ");
  outcome.run_dir = fs::absolute(options.results_dir) / summary.run_id;
  fs::create_directories(outcome.run_dir);
  fs::copy_file(options.plan_file, outcome.run_dir / "plan.yaml", fs::copy_options::overwrite_existing);
  auto write_run_json = [&] {
    summary.wall_s = std::chrono::duration<double>(Clock::now() - started).count();
    write_file_atomic(outcome.run_dir / "run.json", to_json(summary).dump(2) + "\n");
  };

  // The accelerator is probed with the first cell's kernel, before any libguestfs work, because
  // libguestfs must be told to use TCG too when KVM cannot run guests.
  const KernelArtifacts& first_kernel = resolver.kernel(plan.cells.front().kernel);
  AccelChoice accel = choose_accelerator(options.accel, first_kernel.kernel);
  summary.accel = to_string(accel.accel);
  summary.accel_reason = accel.reason;
  if (accel.accel == Accelerator::Tcg && options.accel == "auto") {
    spdlog::warn("using TCG (software emulation): {}", accel.reason);
  }
  // libguestfs follows the probe: H2's image code forces TCG unless told otherwise.
  if (!std::getenv("LIBGUESTFS_BACKEND_SETTINGS")) {
    ::setenv("LIBGUESTFS_BACKEND_SETTINGS", accel.accel == Accelerator::Tcg ? "force_tcg" : "", 1);
  }

  // Everything the cells boot is prepared before the first guest starts: a broken download or
  // image fails the run early, and the image code's setenv() calls run before libvirt's threads.
  std::map<std::pair<std::string, std::string>, BootArtifacts> boots;
  for (const auto& cell : plan.cells) {
    auto key = std::make_pair(cell.kernel, cell.image);
    if (boots.contains(key) || stop) continue;
    boots[key] = resolver.boot(cell.kernel, cell.image);
    boots[key].accel = accel.accel;
  }

  LibvirtBackend backend(options.connect_uri, cache_dir() / "libvirt");
  summary.libvirt_uri = backend.uri();
  if (int swept = backend.sweep_stale_guests(); swept > 0) {
    spdlog::warn("destroyed {} guest(s) left behind by an earlier run", swept);
  }
  // Overlays are big and throwaway: /var/tmp (disk, not tmpfs) unless FUSELAB_WORK_DIR says.
  const char* work_env = std::getenv("FUSELAB_WORK_DIR");
  TempDir overlay_dir(work_env && *work_env ? work_env : "/var/tmp", "fuselab-overlays-");
  write_run_json();

  size_t done = 0;
  for (const auto& cell : plan.cells) {
    if (stop) break;
    const BootArtifacts& boot = boots.at({cell.kernel, cell.image});
    spdlog::info("[{}/{}] {}: running ({} MiB {} through a {} server)", done + 1, plan.cells.size(),
                 cell.id, cell.workload.size_mib, cell.workload.kind, cell.server.backend);
    CellResult result = run_cell(backend, cell, boot, summary.run_id, outcome.run_dir / cell.id,
                                 overlay_dir.path(), stop);
    ++done;
    spdlog::info("[{}/{}] {}: {}{} ({:.1f} s)", done, plan.cells.size(), cell.id, to_string(result.verdict),
                 result.matched ? "" : " (expected " + cell.expect + ")", result.timing.value("cell_s", 0.0));
    summary.cells.push_back(std::move(result));
    write_run_json();
  }
  summary.interrupted = stop;
  write_run_json();
  outcome.exit_code = run_exit_code(summary);
  return outcome;
}

}  // namespace fuselab
