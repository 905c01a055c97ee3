#include "scenario/scenario.h"

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <optional>

#include "channel/messages.h"
#include "monitor/memory_watch.h"
#include "monitor/monitor.h"
#include "scenario/cgroups.h"
#include "scenario/perf_record.h"
#include "scenario/pressure.h"
#include "server/external_server.h"
#include "server/server_process.h"
#include "util/error.h"
#include "workload/workload.h"

namespace fuselab::agent {
namespace {

constexpr auto kStopTimeout = std::chrono::seconds(20);

// The `server` object of the result: negotiated capabilities, what the server verified about
// itself, its counters beyond the v1 ones.
nlohmann::json server_report(const ServerSpec& spec, const ServerProcess& server,
                             std::uint64_t vm_hwm_kib) {
  const ServerStats& s = server.stats();
  nlohmann::json latency = nlohmann::json::object();
  for (unsigned i = 0; i < ServerStats::kOps; ++i) {
    if (s.requests[i].load() == 0 || s.latency[i].max_ns.load() == 0) continue;
    latency[op_name(static_cast<Op>(i))] = {
        {"p99", static_cast<double>(s.latency[i].quantile_ns(0.99)) / 1e3},
        {"max", static_cast<double>(s.latency[i].max_ns.load()) / 1e3}};
  }
  int io_flusher = s.io_flusher.load();
  return {{"threads", spec.threads},
          {"writeback_cache", s.writeback_cache.load() != 0},
          {"splice", s.splice.load() != 0},
          {"max_write", s.max_write.load()},
          {"io_flusher", io_flusher < 0 ? nlohmann::json() : nlohmann::json(io_flusher == 1)},
          {"alloc_per_write_kib", spec.alloc_per_write_kib},
          {"alloc_mode", spec.alloc_mode},
          {"write_delay_us", spec.write_delay_us},
          {"alloc_bytes", s.alloc_bytes.load()},
          {"unanswered_writes", s.unanswered_writes.load()},
          {"vm_hwm_kib", vm_hwm_kib},
          {"latency_us", latency}};
}

// The hog of spec `pressure`, in the tested memcg, started in `hog`; none if the spec has none.
void start_hog(const PressureSpec& spec, const CellCgroups& cgroups, ChildReaper& reaper,
               std::optional<Hog>& hog) {
  if (spec.hog_percent == 0 && spec.hog_mib == 0) return;
  std::uint64_t limit = cgroups.tested_limit_bytes();
  std::string basis = spec.hog_mib != 0 ? "hog_mib"
                      : limit != 0      ? std::to_string(spec.hog_percent) + "% of the memcg limit"
                                        : std::to_string(spec.hog_percent) + "% of MemTotal";
  if (limit == 0) limit = mem_total_bytes();
  std::uint64_t bytes = hog_bytes(spec, limit);
  if (bytes == 0) throw AgentError("pressure", "hog size is 0 bytes (" + basis + ")");
  std::string dir = cgroups.tested_dir();
  std::string usage = dir.empty()    ? ""
                      : cgroups.v2() ? dir + "/memory.current"
                                     : dir + "/memory.usage_in_bytes";
  hog.emplace(bytes, basis, usage, reaper, [&cgroups] { return cgroups.join_tested(); });
}

}  // namespace

bool run_scenario(const Spec& spec, const std::string& mountpoint, Channel& channel,
                  ChildReaper& reaper, bool trace) {
  // First, before any child exists: the monitor's memory is allocated and locked now, and the
  // ftrace ring records from here on.
  auto monitor = std::make_unique<Monitor>(spec.monitor, channel, trace);
  std::optional<CellCgroups> cgroups;
  std::optional<ServerProcess> server;
  std::optional<MemoryWatch> memory;
  std::optional<Hog> hog;
  try {
    cgroups.emplace(spec.cgroup);
    server.emplace(spec.server, mountpoint, reaper, [&](ServerStats& stats) {
      stats.cgroup.set(cgroups->join(CellCgroups::Role::server));
    });
    // Baseline of the PSI totals and OOM counters: before the hog, which is part of the cell.
    memory.emplace(cgroups->tested_dir(), cgroups->v2());
    start_hog(spec.pressure, *cgroups, reaper, hog);
  } catch (const SkipCell& e) {
    channel.send(skip_message(e.what()));
    return false;
  } catch (const AgentError& e) {
    channel.send(error_message(e.stage(), e.what()));
    return false;
  }

  Result r;
  r.bdi = server->apply_bdi_knobs(spec.server);
  // An --evidence cell in the guest: perf record of the ring's tracepoints, for perf.data.
  std::optional<PerfRecord> perf;
  if (trace && spec.monitor.evidence) perf.emplace(monitor->trace_events(), reaper);
  SharedObject<WorkloadStats> workload;
  WorkloadStats& stats = *workload;
  pid_t writer = reaper.spawn([&] {
    try {
      stats.cgroup.set(cgroups->join(CellCgroups::Role::workload));
    } catch (const std::exception& e) {
      stats.error.set(e.what());
      return 1;
    }
    // The server's count when the warm-up is done: what the measured pass adds is its own.
    return run_workload(spec.workload, mountpoint, stats,
                        [&] { stats.warmup_server_bytes = server->stats().bytes_written.load(); });
  });
  monitor->set_memory_watch(&*memory);
  int writer_status = monitor->watch(writer, *server, stats, reaper);
  if (hog) hog->stop();
  if (perf) perf->stop_and_send(channel);
  std::uint64_t vm_hwm_kib = server->vm_hwm_kib();  // before stop: the server is still alive
  const bool external = spec.server.backend == "external";
  // An external server counts nothing for us: its files say what it stored, read in its source
  // directory after unmount, or through the mount (its getattr) when it has none.
  std::uint64_t external_bytes =
      external && server->source_dir().empty() ? regular_file_bytes(mountpoint) : 0;
  std::string stop_problem = server->stop(kStopTimeout);
  if (external && !server->source_dir().empty()) {
    external_bytes = regular_file_bytes(server->source_dir());
    std::error_code ignored;
    std::filesystem::remove_all(server->source_dir(), ignored);
  }

  r.bytes_written = workload->bytes_written;
  // The warm-up's files were removed before the measured pass: an external server's files no
  // longer hold them, the agent's own server counted them and they are taken off here.
  const std::uint64_t warmup_counted = workload->warmup_server_bytes.load();
  const std::uint64_t server_bytes = server->stats().bytes_written.load();
  r.server_bytes_written =
      external ? external_bytes : server_bytes - std::min(server_bytes, warmup_counted);
  if (spec.workload.warmup_mib != 0)
    r.warmup = {{"bytes", workload->warmup_bytes.load()},
                {"server_bytes", warmup_counted},
                {"elapsed_s", static_cast<double>(workload->warmup_ns.load()) / 1e9}};
  r.elapsed_s = static_cast<double>(workload->elapsed_ns.load()) / 1e9;
  r.block_kib = spec.workload.block_kib;
  r.fsync = spec.workload.fsync;
  r.backend = spec.server.backend;
  r.server_requests = server->stats().request_counts();
  r.server = server_report(spec.server, *server, vm_hwm_kib);
  // An external server's capabilities and counters are its own business: only what the agent
  // can see from outside.
  if (external) r.server = {{"vm_hwm_kib", vm_hwm_kib}};
  if (external)
    r.server["external"] = {
        {"argv", server->external_argv()},
        {"source",
         server->source_dir().empty() ? nlohmann::json() : nlohmann::json(server->source_dir())},
        {"bytes_counted_in", server->source_dir().empty() ? "mount" : "source"}};
  r.pressure = {{"hog", hog ? hog->report() : nlohmann::json()}, {"psi", memory->psi_report()}};
  r.oom = memory->oom_report();
  r.fio = fio_report(spec.workload, stats);
  // Asked for on a cell that may pass (--evidence): the trace of the whole cell, unmount included.
  if (spec.monitor.evidence) monitor->send_trace("evidence");
  r.monitor = monitor->report();
  if (perf) r.monitor["perf"] = perf->report();
  r.cgroup = cgroups->verify(std::string(server->stats().cgroup.get()),
                             std::string(workload->cgroup.get()));
  r.ok = true;
  auto fail = [&](const std::string& stage, const std::string& detail) {
    channel.send(error_message(stage, detail));
    r.ok = false;
  };

  // First: the host takes the first error as the cell's reason, and an OOM kill explains the
  // failures that follow from it (a killed writer, a killed server's EIO).
  if (writer_status != 0 && memory->oom_kills() != 0)
    fail("oom",
         "workload ended (" + describe_status(writer_status) + ") after " +
             std::to_string(memory->oom_kills()) + " OOM kill(s) in " +
             (cgroups->tested_dir().empty() ? std::string("the system") : cgroups->tested_dir()));
  if (monitor->stalled())
    fail("stall", "no progress for " + std::to_string(spec.monitor.stall_after_s) + " s");
  if (monitor->hangs() != 0) fail("hang", "hung-task report: " + r.monitor["hung_task"].dump());
  if (!r.cgroup.at("verified").get<bool>())
    fail("cgroup", r.cgroup.value("problem", "placement not as asked"));
  if (writer_status != 0) {
    std::string why(workload->error.get());
    fail("workload", why.empty() ? "writer " + describe_status(writer_status) : why);
  }
  if (spec.server.writeback_cache && server->stats().init_done != 0 &&
      server->stats().writeback_cache == 0)
    fail("mount",
         "writeback_cache requested but the kernel does not offer FUSE_CAP_WRITEBACK_CACHE");
  if (spec.server.splice && server->stats().init_done != 0 && server->stats().splice == 0)
    fail("mount", "splice requested but the kernel does not offer FUSE_CAP_SPLICE_READ");
  if (!r.bdi["failed"].empty()) fail("mount", "bdi knobs: " + r.bdi["failed"].dump());
  if (!stop_problem.empty()) fail("unmount", stop_problem);
  // Every byte written must have reached the server by close(): the check the lab rests on.
  // Through a shared mapping a page may legitimately reach the server twice (dirtied again while
  // under writeback, e.g. written back by reclaim mid-memset): there, only missing bytes fail.
  // So may, with the writeback cache, the last page of a file written in blocks smaller than a
  // page (protocol::server_may_count_rewrites).
  const bool rewrites_allowed =
      protocol::server_may_count_rewrites(spec, static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE)));
  if (rewrites_allowed && r.server_bytes_written > r.bytes_written)
    r.server["rewritten_bytes"] = r.server_bytes_written - r.bytes_written;
  if (writer_status == 0 && (rewrites_allowed ? r.server_bytes_written < r.bytes_written
                                              : r.server_bytes_written != r.bytes_written))
    fail("workload", "server counted " + std::to_string(r.server_bytes_written) +
                         " bytes, writer wrote " + std::to_string(r.bytes_written));
  channel.send(result_message(r));
  return r.ok;
}

}  // namespace fuselab::agent
