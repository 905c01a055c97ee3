// What a cell's run means: a closed list of verdicts, decided in one place from what the runner
// observed (how the guest ended, what the agent reported, what the kernel printed).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/verdict_names.h"
#include "console/kernel_report.h"

namespace fuselab {

std::string_view to_string(Verdict v);
std::optional<Verdict> verdict_from_string(std::string_view name);

// How the runner's watch over the guest ended.
enum class CellEnd {
  AgentDone,     // the agent said bye (or reported and the guest powered off)
  PoweredOff,    // the guest stopped without the agent saying bye
  KernelPanic,   // the console showed the end of a kernel panic (the guest would reboot next)
  BootDeadline,  // no hello from the agent in time
  CellDeadline,  // the whole-cell deadline passed
  Silence,       // no output at all for silence_timeout_s
  AgentStall,    // the agent's monitor reported a stall or hang and the evidence time passed
  AgentSkip,     // the agent said the kernel cannot run this cell
  HostError,     // libvirt/QEMU refused or failed
  LostGuest,     // console and channel closed while the domain ran, or its state unknowable
  GuestPaused,   // the hypervisor paused the guest (a disk I/O error: host disk full)
  Interrupted,   // the user stopped the run
};
std::string_view to_string(CellEnd end);

// The agent's first "error" message (PROTOCOL.md), its stage kept apart from its text: the verdict
// reads the stage ("oom", "pressure", ...), a person reads text().
struct AgentError {
  std::string stage;   // "spec", "mount", "workload", "oom", "pressure", ...; "?" if the agent
                       // sent none; empty for the host's own finding (a protocol mismatch)
  std::string detail;  // what went wrong, at most 500 bytes
  bool empty() const { return stage.empty() && detail.empty(); }
  std::string text() const { return stage.empty() ? detail : stage + ": " + detail; }
};

struct CellObservation {
  CellEnd end = CellEnd::HostError;
  bool hello_seen = false;
  bool result_seen = false;
  bool result_ok = false;    // the agent's own "ok"
  bool bytes_match = false;  // server counted exactly the bytes written
  AgentError agent_error;    // the first "error" message, if any
  std::string skip_reason;   // the agent's "skip" reason, if any
  bool agent_hang = false;   // the monitor relayed a hung-task report
  bool agent_stall = false;  // the monitor saw no progress for its stall_after_s
  std::string host_detail;   // e.g. QEMU's log tail, libvirt's error
  std::vector<KernelReport> reports;
};

struct VerdictDecision {
  Verdict verdict = Verdict::Infra;
  std::string reason;      // one line a person reads
  std::string signature;   // stable title of the decisive kernel report, empty if none
  bool retryable = false;  // an infrastructure failure worth another attempt
  // A kernel report before the agent's hello: INFRA once (a TCG flake has been seen), BOOT_ERROR
  // when the retry crashes during boot too (confirm_boot_error).
  bool boot_crash = false;
  // Every outcome of the cell in console order, the verdict last: an OOM kill that resolved
  // nothing and then a hang is {OOM, HANG}, and the verdict is HANG.
  std::vector<Verdict> outcomes;
};

VerdictDecision decide_verdict(const CellObservation& obs);

// A cell that ends before any guest boots because its kernel lacks what the cell needs
// (run/kernel_capabilities.h): SKIP, with the unmet requirements as the reason. No outcomes: the
// cell produced none.
VerdictDecision decide_preboot_skip(const std::string& reason);

// A cell the runner could not run at all (an exception out of it: a full disk, a file it could not
// write): INFRA with the host's error as the reason; no retry (the next attempt meets the same
// host). No outcomes: the cell produced none.
VerdictDecision decide_runner_failure(const std::string& what);

// The decision for an attempt that followed `previous` (an INFRA retry): a boot crash after a
// boot crash is the kernel's BOOT_ERROR, however the titles differ; anything else stands.
VerdictDecision confirm_boot_error(const VerdictDecision& previous, VerdictDecision current);

}  // namespace fuselab
