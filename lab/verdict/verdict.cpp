#include "verdict/verdict.h"

#include <algorithm>

namespace fuselab {
namespace {

const KernelReport* first_of(const std::vector<KernelReport>& reports,
                             std::initializer_list<ReportKind> kinds) {
  for (const auto& r : reports) {
    if (std::find(kinds.begin(), kinds.end(), r.kind) != kinds.end()) return &r;
  }
  return nullptr;
}

// A report's title for a reason line, saying when the report was cut short (its frames, and so
// its title, may lack what the kernel printed after the cut).
std::string told(const KernelReport& r) {
  return r.truncated.empty() ? r.title : r.title + " (report cut short: " + r.truncated + ")";
}

}  // namespace

std::string_view to_string(Verdict v) {
  for (const auto& [value, name] : kVerdictNames) {
    if (value == v) return name;
  }
  return "INFRA";
}

std::optional<Verdict> verdict_from_string(std::string_view name) {
  for (const auto& [value, n] : kVerdictNames) {
    if (n == name) return value;
  }
  return std::nullopt;
}

std::string_view to_string(CellEnd end) {
  switch (end) {
    case CellEnd::AgentDone:
      return "agent-done";
    case CellEnd::PoweredOff:
      return "powered-off";
    case CellEnd::KernelPanic:
      return "kernel-panic";
    case CellEnd::BootDeadline:
      return "boot-deadline";
    case CellEnd::CellDeadline:
      return "cell-deadline";
    case CellEnd::Silence:
      return "silence";
    case CellEnd::AgentStall:
      return "agent-stall";
    case CellEnd::AgentSkip:
      return "agent-skip";
    case CellEnd::HostError:
      return "host-error";
    case CellEnd::LostGuest:
      return "lost-guest";
    case CellEnd::GuestPaused:
      return "guest-paused";
    case CellEnd::Interrupted:
      return "interrupted";
  }
  return "host-error";
}

namespace {

bool is_crash(ReportKind kind) {
  return kind == ReportKind::Oops || kind == ReportKind::Bug || kind == ReportKind::Panic ||
         kind == ReportKind::SoftLockup || kind == ReportKind::HardLockup ||
         kind == ReportKind::RcuStall;
}

// What one console report means as an outcome, given whether the workload finished.
Verdict outcome_of(ReportKind kind, bool finished) {
  switch (kind) {
    case ReportKind::Oom:
    case ReportKind::MemcgOom:
      return Verdict::Oom;
    case ReportKind::HungTask:
      return finished ? Verdict::Slow : Verdict::Hang;
    case ReportKind::Warning:
      return Verdict::Warn;
    default:
      return is_crash(kind) ? Verdict::Crash : Verdict::Warn;
  }
}

// The cell's outcomes in order: each console report's (consecutive repeats folded), the agent's
// OOM count when the console showed no kill, and the verdict last. A cell that ended before the
// agent ran, or whose end the host decided (lost, paused, interrupted), has one: its verdict.
std::vector<Verdict> outcomes(const CellObservation& obs, Verdict verdict) {
  std::vector<Verdict> out;
  bool host_ended = obs.end == CellEnd::Interrupted || obs.end == CellEnd::HostError ||
                    obs.end == CellEnd::LostGuest || obs.end == CellEnd::GuestPaused;
  if (obs.hello_seen && !host_ended) {
    bool finished = obs.result_seen && obs.result_ok;
    for (const auto& r : obs.reports) {
      Verdict v = outcome_of(r.kind, finished);
      if (out.empty() || out.back() != v) out.push_back(v);
    }
    if (obs.agent_error.stage == "oom" &&
        std::find(out.begin(), out.end(), Verdict::Oom) == out.end()) {
      out.insert(out.begin(), Verdict::Oom);
    }
  }
  if (out.empty() || out.back() != verdict) out.push_back(verdict);
  return out;
}

VerdictDecision decide(const CellObservation& obs) {
  const auto& reports = obs.reports;
  const KernelReport* crash =
      first_of(reports, {ReportKind::Oops, ReportKind::Bug, ReportKind::Panic,
                         ReportKind::SoftLockup, ReportKind::HardLockup, ReportKind::RcuStall});
  const KernelReport* hung = first_of(reports, {ReportKind::HungTask});
  const KernelReport* oom = first_of(reports, {ReportKind::Oom, ReportKind::MemcgOom});
  const KernelReport* warning = first_of(reports, {ReportKind::Warning});

  if (obs.end == CellEnd::Interrupted)
    return {Verdict::Infra, "interrupted by the user", "", false};
  if (obs.end == CellEnd::HostError) {
    return {Verdict::Infra, "host error: " + obs.host_detail, "", true};
  }
  // The host lost sight of the guest (streams closed under a running domain, libvirt cannot say
  // its state) or stopped it (QEMU pauses on a host disk I/O error): whatever the console holds,
  // the cell's ending is the lab's doing, never a hang or stall.
  if (obs.end == CellEnd::LostGuest)
    return {Verdict::Infra, "lost connection to the guest: " + obs.host_detail, "", true};
  if (obs.end == CellEnd::GuestPaused)
    return {Verdict::Infra, "the hypervisor " + obs.host_detail, "", true};
  // A kernel that dies before the agent ran tested nothing we asked about. Under TCG a one-off
  // early-boot oops has been seen as a flake (BACKGROUND: "Oops: int3"), so the first one is a
  // retried INFRA; confirm_boot_error() makes a repeat the kernel's BOOT_ERROR.
  if (!obs.hello_seen) {
    if (crash)
      return {Verdict::Infra, "kernel crashed during boot: " + told(*crash), crash->title, true,
              true};
    return {Verdict::Infra,
            "guest never reached the agent (" + std::string(to_string(obs.end)) + ")", "", true};
  }
  if (crash) return {Verdict::Crash, told(*crash), crash->title, false};
  if (!obs.skip_reason.empty()) return {Verdict::Skip, obs.skip_reason, "", false};

  if (obs.result_seen) {
    // A workload the OOM killer ended failed because of memory, not I/O: OOM, whether the console
    // showed the kill (MemcgOom/Oom report) or only the agent's memcg counter did (its first error
    // has stage "oom": memory.events / memory.oom_control oom_kill rose while the writer died).
    bool agent_oom = obs.agent_error.stage == "oom";
    if (!obs.result_ok && (oom || agent_oom)) {
      std::string why = oom ? told(*oom) : obs.agent_error.detail;
      return {Verdict::Oom, why, oom ? oom->title : "", false};
    }
    if (!obs.result_ok || !obs.bytes_match) {
      std::string why =
          !obs.result_ok ? "workload failed" : "server byte count differs from bytes written";
      if (!obs.agent_error.empty()) why += ": " + obs.agent_error.text();
      return {Verdict::Fail, why, "", false};
    }
    if (hung)
      return {Verdict::Slow, "finished after hung-task reports: " + told(*hung), hung->title,
              false};
    if (warning) return {Verdict::Warn, told(*warning), warning->title, false};
    return {Verdict::Pass, "workload finished, byte counts match", "", false};
  }

  // No result and no progress until the end: HANG or STALL, even after an OOM kill. The kill
  // did not end the cell (a killed writer blocked at exit in writeback, a server looping in
  // reclaim_throttle: shared/console-logs/oom-then-hung-7.2-ioflusher-unguarded.log); the OOM
  // stays in the outcomes and the reason.
  if (obs.end == CellEnd::CellDeadline || obs.end == CellEnd::Silence ||
      obs.end == CellEnd::AgentStall) {
    std::string after = oom ? " after an OOM kill that resolved nothing (" + told(*oom) + ")" : "";
    if (hung) return {Verdict::Hang, told(*hung) + after, hung->title, false};
    if (obs.agent_hang)
      return {Verdict::Hang, "the agent relayed a hung-task report" + after, "", false};
    return {Verdict::Stall,
            (obs.agent_stall ? "no progress (agent monitor) and no hung-task report"
                             : "no progress and no hung-task report until the deadline") +
                after,
            "", false};
  }
  if (oom) return {Verdict::Oom, told(*oom), oom->title, false};
  // The cell could not be set up as its spec asks (a hog bigger than its group's limit): the same
  // spec fails the same way again, so it is the cell's failure, not the lab's, and not retried.
  if (obs.agent_error.stage == "pressure") {
    return {Verdict::Fail, "cell setup failed: " + obs.agent_error.text(), "", false};
  }
  // Powered off (or said bye) without a result: the agent failed, not the kernel.
  std::string why = "agent ended without a result";
  if (!obs.agent_error.empty()) why += ": " + obs.agent_error.text();
  return {Verdict::Infra, why, "", true};
}

}  // namespace

VerdictDecision decide_verdict(const CellObservation& obs) {
  VerdictDecision d = decide(obs);
  d.outcomes = outcomes(obs, d.verdict);
  return d;
}

VerdictDecision decide_preboot_skip(const std::string& reason) {
  return {Verdict::Skip, reason, "", false};
}

VerdictDecision decide_runner_failure(const std::string& what) {
  return {Verdict::Infra, "host error: " + what, "", false};
}

VerdictDecision confirm_boot_error(const VerdictDecision& previous, VerdictDecision current) {
  if (!previous.boot_crash || !current.boot_crash) return current;
  current.verdict = Verdict::BootError;
  current.retryable = false;
  current.reason = "kernel crashed during boot on the retry too: " + current.signature;
  if (previous.signature != current.signature)
    current.reason += " (first attempt: " + previous.signature + ")";
  current.outcomes = {Verdict::BootError};
  return current;
}

}  // namespace fuselab
