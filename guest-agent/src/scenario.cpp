#include "scenario.h"

#include <memory>
#include <optional>

#include "cgroups.h"
#include "error.h"
#include "messages.h"
#include "monitor.h"
#include "server_process.h"
#include "workload.h"

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
          {"alloc_bytes", s.alloc_bytes.load()},
          {"unanswered_writes", s.unanswered_writes.load()},
          {"vm_hwm_kib", vm_hwm_kib},
          {"latency_us", latency}};
}

}  // namespace

bool run_scenario(const Spec& spec, const std::string& mountpoint, Channel& channel,
                  ChildReaper& reaper) {
  // First, before any child exists: the monitor's memory is allocated and locked now.
  auto monitor = std::make_unique<Monitor>(spec.monitor, channel);
  std::optional<CellCgroups> cgroups;
  std::optional<ServerProcess> server;
  try {
    cgroups.emplace(spec.cgroup);
    server.emplace(spec.server, mountpoint, reaper, [&](ServerStats& stats) {
      stats.cgroup.set(cgroups->join(CellCgroups::Role::server));
    });
  } catch (const SkipCell& e) {
    channel.send(skip_message(e.what()));
    return false;
  } catch (const AgentError& e) {
    channel.send(error_message(e.stage(), e.what()));
    return false;
  }

  Result r;
  r.bdi = server->apply_bdi_knobs(spec.server);
  SharedObject<WorkloadStats> workload;
  WorkloadStats& stats = *workload;
  pid_t writer = reaper.spawn([&] {
    try {
      stats.cgroup.set(cgroups->join(CellCgroups::Role::workload));
    } catch (const std::exception& e) {
      stats.error.set(e.what());
      return 1;
    }
    return run_workload(spec.workload, mountpoint, stats);
  });
  int writer_status = monitor->watch(writer, *server, stats, reaper);
  std::uint64_t vm_hwm_kib = server->vm_hwm_kib();  // before stop: the server is still alive
  std::string stop_problem = server->stop(kStopTimeout);

  r.bytes_written = workload->bytes_written;
  r.server_bytes_written = server->stats().bytes_written;
  r.elapsed_s = static_cast<double>(workload->elapsed_ns.load()) / 1e9;
  r.block_kib = spec.workload.block_kib;
  r.fsync = spec.workload.fsync;
  r.backend = spec.server.backend;
  r.server_requests = server->stats().request_counts();
  r.server = server_report(spec.server, *server, vm_hwm_kib);
  r.monitor = monitor->report();
  r.cgroup = cgroups->verify(std::string(server->stats().cgroup.get()),
                             std::string(workload->cgroup.get()));
  r.ok = true;
  auto fail = [&](const std::string& stage, const std::string& detail) {
    channel.send(error_message(stage, detail));
    r.ok = false;
  };

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
  if (writer_status == 0 && r.server_bytes_written != r.bytes_written)
    fail("workload", "server counted " + std::to_string(r.server_bytes_written) +
                         " bytes, writer wrote " + std::to_string(r.bytes_written));
  channel.send(result_message(r));
  return r.ok;
}

}  // namespace fuselab::agent
