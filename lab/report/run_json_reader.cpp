#include "report/run_json_reader.h"

#include <type_traits>

#include "common/error.h"
#include "common/json_fields.h"
#include "common/paths.h"
#include "common/safe_name.h"
#include "report/text_escape.h"

namespace fuselab {
namespace {

using nlohmann::json;

// Like json::value, but a null or mistyped field is "missing" rather than an exception, and an
// integer that does not fit its field is missing too: the file may come from an interrupted or
// older run, or from anyone (merge reads shards from other machines).
template <typename T>
T get(const json& obj, const char* key, T fallback) {
  if constexpr (std::is_same_v<T, bool>) {
    return json_bool_field(obj, key).value_or(fallback);
  } else if constexpr (std::is_integral_v<T>) {
    return json_int_field<T>(obj, key).value_or(fallback);
  } else if constexpr (std::is_floating_point_v<T>) {
    return json_double_field(obj, key).value_or(fallback);
  } else {
    const json* v = json_field(obj, key);
    if (!v || v->is_null()) return fallback;
    try {
      return v->get<T>();
    } catch (const json::exception&) {
      return fallback;
    }
  }
}

CellSpec spec_from_json(const json& s) {
  CellSpec c;
  c.id = get(s, "id", c.id);
  c.kernel = get(s, "kernel", c.kernel);
  c.image = get(s, "image", c.image);
  c.memory_mib = get(s, "memory_mib", c.memory_mib);
  c.vcpus = get(s, "vcpus", c.vcpus);
  const json timeouts = get(s, "timeouts", json::object());
  c.boot_timeout_s = get(timeouts, "boot_s", c.boot_timeout_s);
  c.cell_timeout_s = get(timeouts, "cell_s", c.cell_timeout_s);
  c.silence_timeout_s = get(timeouts, "silence_s", c.silence_timeout_s);
  c.infra_retries = get(s, "infra_retries", c.infra_retries);
  c.expect = get(s, "expect", c.expect);
  c.expect_signature = get(s, "expect_signature", c.expect_signature);
  c.axes = get(s, "axes", c.axes);
  c.kernel_cmdline = get(s, "kernel_cmdline", c.kernel_cmdline);
  const json server = get(s, "server", json::object());
  c.server.backend = get(server, "backend", c.server.backend);
  c.server.writeback_cache = get(server, "writeback_cache", c.server.writeback_cache);
  c.server.threads = get(server, "threads", c.server.threads);
  const json workload = get(s, "workload", json::object());
  c.workload.kind = get(workload, "kind", c.workload.kind);
  c.workload.size_mib = get(workload, "size_mib", c.workload.size_mib);
  c.workload.block_kib = get(workload, "block_kib", c.workload.block_kib);
  c.workload.fsync = get(workload, "fsync", c.workload.fsync);
  c.monitor.evidence = get(get(s, "monitor", json::object()), "evidence", false);
  return c;
}

}  // namespace

CellResult cell_result_from_json(const json& j) {
  CellResult r;
  r.cell = spec_from_json(get(j, "spec", json::object()));
  r.cell.id = get(j, "id", r.cell.id);
  // The id names the cell's directory (merge copies it, resume finds it): never a path.
  // A missing id stays empty (an interrupted record still loads); merge refuses it.
  if (!r.cell.id.empty() && !is_safe_cell_id(r.cell.id)) {
    throw UserError("cell id '" + clean_line(r.cell.id, 80) + "' is not a valid cell id",
                    "ids are 1-" + std::to_string(kMaxCellIdLength) +
                        " characters of a-z, 0-9, '_', '.', '-', ',' and '='");
  }
  r.cell.expect = get(j, "expected", r.cell.expect);
  r.verdict = verdict_from_string(get(j, "verdict", std::string())).value_or(Verdict::Infra);
  r.reason = get(j, "reason", std::string());
  r.signature = get(j, "signature", std::string());
  for (const auto& o : get(j, "outcomes", json::array())) {
    if (auto v = o.is_string() ? verdict_from_string(o.get<std::string>()) : std::nullopt)
      r.outcomes.push_back(*v);
  }
  r.matched = get(j, "matched", false);
  r.attempts = get(j, "attempts", 0);
  r.accel = get(j, "accel", std::string());
  const json kernel = get(j, "kernel", json::object());
  r.kernel_release = get(kernel, "release", std::string());
  r.kernel_source = get(kernel, "source", std::string());
  r.timing = get(j, "timing", json::object());
  r.agent_result = get(j, "agent_result", json());
  r.reports = get(j, "reports", json::array());
  r.end = get(j, "end", std::string());
  r.agent_stall = get(j, "agent_stall", json());
  r.trace = get(j, "trace", json());
  r.perf = get(j, "perf", json());
  r.recorded = j;
  return r;
}

RunSummary run_summary_from_json(const json& j) {
  if (!j.is_object() || get(j, "schema", std::string()) != "fuselab.run/1") {
    throw UserError("not a fuselab run record (want \"schema\": \"fuselab.run/1\")");
  }
  RunSummary run;
  run.run_id = get(j, "run_id", std::string());
  const json plan = get(j, "plan", json::object());
  run.plan_name = get(plan, "name", std::string());
  run.plan_file = get(plan, "file", std::string());
  run.libvirt_uri = get(j, "libvirt_uri", std::string());
  const json accel = get(j, "accel", json::object());
  run.accel = get(accel, "chosen", std::string());
  run.accel_reason = get(accel, "reason", std::string());
  run.started_at = get(j, "started_at", std::string());
  run.wall_s = get(j, "wall_s", 0.0);
  run.interrupted = get(j, "interrupted", false);
  if (auto it = j.find("host_load"); it != j.end() && it->is_object()) run.host_load = *it;
  if (auto it = j.find("packing"); it != j.end() && it->is_object()) run.packing = *it;
  for (const auto& c : get(j, "cells", json::array()))
    run.cells.push_back(cell_result_from_json(c));
  return run;
}

RunSummary load_run_summary(const std::filesystem::path& run_dir) {
  const auto path = run_dir / "run.json";
  const std::string text = read_file(path);  // its error names the file already
  try {
    return run_summary_from_json(json::parse(text));
  } catch (const json::exception& e) {
    throw UserError(path.string() + ": " + e.what());
  } catch (const UserError& e) {
    throw UserError(path.string() + ": " + e.what(), e.hint());
  }
}

}  // namespace fuselab
