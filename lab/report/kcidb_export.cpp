#include "report/kcidb_export.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <set>

#include "common/json_fields.h"
#include "report/cell_metrics.h"
#include "report/console_excerpt.h"
#include "report/text_escape.h"

namespace fuselab {
namespace {

using nlohmann::json;

constexpr const char* kOrigin = "fuselab";
constexpr std::size_t kMaxExcerpt = 16384;  // KCIDB's maxLength for log_excerpt

// KCIDB test paths are dot-separated names of [.a-zA-Z0-9_-]; a cell id is one component.
std::string path_component(std::string_view id) {
  std::string out;
  for (unsigned char ch : id)
    out += std::isalnum(ch) || ch == '-' || ch == '_' ? static_cast<char>(ch) : '_';
  return out;
}

// KCIDB ids match "origin:.*", and '.' matches no line break: ids are cleaned to one line.
// Plan-made ids are printable already and pass unchanged, so they stay stable across runs.
std::string object_id(std::string_view run_id, std::string_view suffix = {}) {
  std::string id = fmt::format("{}:{}", kOrigin, clean_line(run_id));
  // Appended: `"x" + std::string&&` is a false -Wrestrict at -O3 in GCC 12 (GCC bug 105329).
  if (!suffix.empty()) id.append(":").append(clean_line(suffix));
  return id;
}

std::string build_id(const RunSummary& run, const CellResult& c) {
  return object_id(run.run_id,
                   "kernel:" + (c.kernel_release.empty() ? "unknown" : c.kernel_release));
}

// started_at ("2026-11-25T10:14:56Z") plus an offset in seconds, as RFC 3339; empty if the
// run's start time does not parse.
std::string start_time(const std::string& started_at, double offset_s) {
  std::tm tm{};
  const char* end = strptime(started_at.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (!end || *end != '\0') return {};
  const double t = static_cast<double>(timegm(&tm)) + std::max(offset_s, 0.0);
  const std::time_t whole = static_cast<std::time_t>(t);
  std::tm out{};
  gmtime_r(&whole, &out);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &out);
  return fmt::format("{}.{:03d}+00:00", buf,
                     static_cast<int>((t - static_cast<double>(whole)) * 1000));
}

json checkout(const RunSummary& run) {
  json j{{"id", object_id(run.run_id)},
         {"origin", kOrigin},
         {"comment", clean_line("fuselab plan " + run.plan_name, 400)},
         {"valid", true},
         {"misc",
          {{"plan", run.plan_name},
           {"plan_file", run.plan_file},
           {"accel", run.accel},
           {"accel_reason", clean_line(run.accel_reason, 400)},
           {"wall_s", run.wall_s},
           {"interrupted", run.interrupted},
           {"exit_code", run_exit_code(run)}}}};
  if (auto t = start_time(run.started_at, 0); !t.empty()) j["start_time"] = t;
  return j;
}

json build(const RunSummary& run, const CellResult& c) {
  // The lab boots x86_64 guests only (qemu-system-x86_64); Debian's kernels are prebuilt.
  return json{{"id", build_id(run, c)},
              {"checkout_id", object_id(run.run_id)},
              {"origin", kOrigin},
              {"architecture", "x86_64"},
              {"comment", clean_line(c.kernel_source, 400)},
              {"valid", true},
              {"misc", {{"release", c.kernel_release}, {"source", c.kernel_source}}}};
}

json test(const RunSummary& run, const CellResult& c, const KcidbOptions& options) {
  const std::string_view status = kcidb_status(c.verdict);
  json misc{{"verdict", std::string(to_string(c.verdict))},
            {"expected", c.cell.expect},
            {"matched", c.matched},
            {"signature", clean_line(c.signature, 400)},
            {"end", c.end},
            {"attempts", c.attempts},
            {"plan", run.plan_name},
            {"spec", cell_spec_json(c.cell)}};
  if (auto t = cell_throughput(c)) {
    misc["mib_per_s"] = t->mib_per_s;
    misc["mib_per_s_basis"] = std::string(basis_text(t->basis));
  }
  if (auto boot = boot_seconds(c)) misc["boot_s"] = *boot;
  json j{{"id", object_id(run.run_id, c.cell.id)},
         {"build_id", build_id(run, c)},
         {"origin", kOrigin},
         {"path", "fuselab." + path_component(c.cell.id)},
         {"status", std::string(status)},
         // An expected failure (a known deadlock the plan reproduces on purpose) must not alert
         // whoever watches the kernel: KCIDB's "waived" says "ignore this status".
         {"waived", c.matched && status == "FAIL"},
         {"duration", cell_seconds(c)},
         {"comment", clean_line(c.signature.empty() ? c.reason : c.signature, 400)},
         {"environment",
          {{"comment",
            fmt::format("QEMU ({}), {} MiB, {} vCPU", c.accel, c.cell.memory_mib, c.cell.vcpus)},
           {"misc", {{"accel", c.accel}, {"libvirt_uri", run.libvirt_uri}}}}},
         {"misc", misc}};
  if (auto t = start_time(run.started_at, json_double_field(c.timing, "start_s").value_or(0.0));
      !t.empty()) {
    j["start_time"] = t;
  }
  if (!options.run_dir.empty() && status != "PASS") {
    std::string excerpt = console_excerpt(c, options.run_dir / c.cell.id, kMaxExcerpt);
    if (!excerpt.empty()) j["log_excerpt"] = excerpt;
  }
  if (!options.artifacts_url.empty()) {
    std::string base = options.artifacts_url;
    if (base.back() != '/') base += '/';
    base += url_segment(c.cell.id) + "/";
    j["log_url"] = base + "console.log";
    j["output_files"] = json::array();
    for (const char* f : {"result.json", "agent.jsonl", "domain.xml"}) {
      j["output_files"].push_back({{"name", f}, {"url", base + f}});
    }
  }
  return j;
}

}  // namespace

std::string_view kcidb_status(Verdict v) {
  switch (v) {
    case Verdict::Pass:
      return "PASS";
    case Verdict::Slow:
    case Verdict::Hang:
    case Verdict::Stall:
    case Verdict::Oom:
    case Verdict::Crash:
    case Verdict::BootError:
    case Verdict::Warn:
    case Verdict::Fail:
      return "FAIL";
    case Verdict::Infra:
      return "MISS";
    case Verdict::Skip:
      return "SKIP";
  }
  return "MISS";
}

json to_kcidb(const RunSummary& run, const KcidbOptions& options) {
  json builds = json::array(), tests = json::array();
  std::set<std::string> seen;
  for (const auto& c : run.cells) {
    if (seen.insert(build_id(run, c)).second) builds.push_back(build(run, c));
    tests.push_back(test(run, c, options));
  }
  return json{{"version", {{"major", 4}, {"minor", 3}}},
              {"checkouts", json::array({checkout(run)})},
              {"builds", builds},
              {"tests", tests}};
}

}  // namespace fuselab
