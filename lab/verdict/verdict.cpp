#include "verdict/verdict.h"

#include <algorithm>

namespace fuselab {
namespace {

constexpr std::pair<Verdict, std::string_view> kNames[] = {
    {Verdict::Pass, "PASS"}, {Verdict::Slow, "SLOW"},   {Verdict::Hang, "HANG"},
    {Verdict::Stall, "STALL"}, {Verdict::Oom, "OOM"},   {Verdict::Crash, "CRASH"},
    {Verdict::Warn, "WARN"}, {Verdict::Fail, "FAIL"},   {Verdict::Infra, "INFRA"},
    {Verdict::Skip, "SKIP"}};

const KernelReport* first_of(const std::vector<KernelReport>& reports,
                             std::initializer_list<ReportKind> kinds) {
  for (const auto& r : reports) {
    if (std::find(kinds.begin(), kinds.end(), r.kind) != kinds.end()) return &r;
  }
  return nullptr;
}

}  // namespace

std::string_view to_string(Verdict v) {
  for (const auto& [value, name] : kNames) {
    if (value == v) return name;
  }
  return "INFRA";
}

std::optional<Verdict> verdict_from_string(std::string_view name) {
  for (const auto& [value, n] : kNames) {
    if (n == name) return value;
  }
  return std::nullopt;
}

std::string_view to_string(CellEnd end) {
  switch (end) {
    case CellEnd::AgentDone: return "agent-done";
    case CellEnd::PoweredOff: return "powered-off";
    case CellEnd::BootDeadline: return "boot-deadline";
    case CellEnd::CellDeadline: return "cell-deadline";
    case CellEnd::Silence: return "silence";
    case CellEnd::AgentStall: return "agent-stall";
    case CellEnd::AgentSkip: return "agent-skip";
    case CellEnd::HostError: return "host-error";
    case CellEnd::Interrupted: return "interrupted";
  }
  return "host-error";
}

VerdictDecision decide_verdict(const CellObservation& obs) {
  const auto& reports = obs.reports;
  const KernelReport* crash = first_of(reports, {ReportKind::Oops, ReportKind::Bug, ReportKind::Panic,
                                                 ReportKind::SoftLockup, ReportKind::RcuStall});
  const KernelReport* hung = first_of(reports, {ReportKind::HungTask});
  const KernelReport* oom = first_of(reports, {ReportKind::Oom, ReportKind::MemcgOom});
  const KernelReport* warning = first_of(reports, {ReportKind::Warning});

  if (obs.end == CellEnd::Interrupted) return {Verdict::Infra, "interrupted by the user", "", false};
  if (obs.end == CellEnd::HostError) {
    return {Verdict::Infra, "host error: " + obs.host_detail, "", true};
  }
  // A kernel that dies before the agent ran tested nothing we asked about; under TCG an early-boot
  // oops has been seen as a flake (BACKGROUND: "Oops: int3"), so it is retried as INFRA.
  if (!obs.hello_seen) {
    std::string why = crash ? "kernel crashed during boot: " + crash->title
                            : std::string("guest never reached the agent (") +
                                  std::string(to_string(obs.end)) + ")";
    return {Verdict::Infra, why, crash ? crash->title : "", true};
  }
  if (crash) return {Verdict::Crash, crash->title, crash->title, false};
  if (!obs.skip_reason.empty()) return {Verdict::Skip, obs.skip_reason, "", false};

  if (obs.result_seen) {
    // A workload the OOM killer ended failed because of memory, not I/O: OOM, whether the console
    // showed the kill (MemcgOom/Oom report) or only the agent's memcg counter did (its first error
    // has stage "oom": memory.events / memory.oom_control oom_kill rose while the writer died).
    bool agent_oom = obs.agent_error.starts_with("oom: ");
    if (!obs.result_ok && (oom || agent_oom)) {
      std::string why = oom ? oom->title : obs.agent_error.substr(5);
      return {Verdict::Oom, why, oom ? oom->title : "", false};
    }
    if (!obs.result_ok || !obs.bytes_match) {
      std::string why = !obs.result_ok ? "workload failed" : "server byte count differs from bytes written";
      if (!obs.agent_error.empty()) why += ": " + obs.agent_error;
      return {Verdict::Fail, why, "", false};
    }
    if (hung) return {Verdict::Slow, "finished after hung-task reports: " + hung->title, hung->title, false};
    if (warning) return {Verdict::Warn, warning->title, warning->title, false};
    return {Verdict::Pass, "workload finished, byte counts match", "", false};
  }

  if (oom) return {Verdict::Oom, oom->title, oom->title, false};
  if (obs.end == CellEnd::CellDeadline || obs.end == CellEnd::Silence || obs.end == CellEnd::AgentStall) {
    if (hung) return {Verdict::Hang, hung->title, hung->title, false};
    if (obs.agent_hang) return {Verdict::Hang, "the agent relayed a hung-task report", "", false};
    return {Verdict::Stall,
            obs.agent_stall ? "no progress (agent monitor) and no hung-task report"
                            : "no progress and no hung-task report until the deadline",
            "", false};
  }
  // The cell could not be set up as its spec asks (a hog bigger than its group's limit): the same
  // spec fails the same way again, so it is the cell's failure, not the lab's, and not retried.
  if (obs.agent_error.starts_with("pressure: ")) {
    return {Verdict::Fail, "cell setup failed: " + obs.agent_error, "", false};
  }
  // Powered off (or said bye) without a result: the agent failed, not the kernel.
  std::string why = "agent ended without a result";
  if (!obs.agent_error.empty()) why += ": " + obs.agent_error;
  return {Verdict::Infra, why, "", true};
}

}  // namespace fuselab
