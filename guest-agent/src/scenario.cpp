#include "scenario.h"

#include <optional>

#include "error.h"
#include "messages.h"
#include "server_process.h"
#include "workload.h"

namespace fuselab::agent {
namespace {

constexpr auto kProgressInterval = std::chrono::seconds(1);
constexpr auto kStopTimeout = std::chrono::seconds(20);

// Runs the writer child, sending progress until it exits; returns its wait status.
int run_writer(const Spec& spec, const std::string& mountpoint, WorkloadStats& stats,
               Channel& channel, ChildReaper& reaper) {
  pid_t writer = reaper.spawn([&] { return run_workload(spec.workload, mountpoint, stats); });
  auto next_progress = Clock::now() + kProgressInterval;
  for (;;) {
    if (auto status = reaper.status(writer)) return *status;
    sleep_for(std::chrono::milliseconds(20));
    if (Clock::now() >= next_progress) {
      channel.send(progress_message(stats.bytes_done.load(std::memory_order_relaxed)));
      next_progress += kProgressInterval;
    }
  }
}

}  // namespace

bool run_scenario(const Spec& spec, const std::string& mountpoint, Channel& channel,
                  ChildReaper& reaper) {
  std::optional<ServerProcess> server;
  try {
    server.emplace(spec.server, mountpoint, reaper);
  } catch (const AgentError& e) {
    channel.send(error_message(e.stage(), e.what()));
    return false;
  }

  SharedObject<WorkloadStats> workload;
  int writer_status = run_writer(spec, mountpoint, *workload, channel, reaper);
  std::string stop_problem = server->stop(kStopTimeout);

  Result r;
  r.bytes_written = workload->bytes_written;
  r.server_bytes_written = server->stats().bytes_written;
  r.elapsed_s = static_cast<double>(workload->elapsed_ns.load()) / 1e9;
  r.block_kib = spec.workload.block_kib;
  r.fsync = spec.workload.fsync;
  r.backend = spec.server.backend;
  r.server_requests = server->stats().request_counts();
  r.ok = true;
  auto fail = [&](const std::string& stage, const std::string& detail) {
    channel.send(error_message(stage, detail));
    r.ok = false;
  };

  if (writer_status != 0) {
    std::string why(workload->error.get());
    fail("workload", why.empty() ? "writer " + describe_status(writer_status) : why);
  }
  if (spec.server.writeback_cache && server->stats().init_done != 0 &&
      server->stats().writeback_cache == 0)
    fail("mount",
         "writeback_cache requested but the kernel does not offer FUSE_CAP_WRITEBACK_CACHE");
  if (!stop_problem.empty()) fail("unmount", stop_problem);
  // Every byte written must have reached the server by close(): the check the lab rests on.
  if (writer_status == 0 && r.server_bytes_written != r.bytes_written)
    fail("workload", "server counted " + std::to_string(r.server_bytes_written) +
                         " bytes, writer wrote " + std::to_string(r.bytes_written));
  channel.send(result_message(r));
  return r.ok;
}

}  // namespace fuselab::agent
