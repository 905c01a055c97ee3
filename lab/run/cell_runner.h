// Runs one cell on one guest: boot, hand the agent its spec, watch console and channel until the
// agent is done or a deadline passes, destroy the guest, decide the verdict. Every wait here has
// a deadline; the Backend/Guest interface is all it knows of the hypervisor, so the liveness
// logic is unit-tested with a scripted fake guest.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "common/clock.h"
#include "config/cell_spec.h"
#include "run/memory_dump.h"
#include "verdict/verdict.h"
#include "vm/backend.h"

namespace fuselab {

// What every cell of a kernel/image pair boots.
struct BootArtifacts {
  std::filesystem::path kernel;
  std::filesystem::path initrd;
  std::filesystem::path base_image;
  std::string kernel_release;
  std::string kernel_source;
  Accelerator accel = Accelerator::Tcg;
};

// Where an attempt's time goes, host seconds (-1: the phase did not happen). The phases follow
// one another: overlay_s + define_start_s = start_s; then boot_to_hello_s, scenario_s (hello to
// the end being decided; of which evidence_s after the monitor's report), dump_s, teardown_s
// (destroying the guest) and after_s (reading back console and trace): their sum is cell_s.
struct CellTiming {
  double overlay_s = -1;                // creating the qcow2 overlay
  double define_start_s = -1;           // asking the hypervisor to define and start the guest
  double start_s = 0;                   // both of the above
  double boot_to_hello_s = -1;          // host: guest start to the agent's hello
  double guest_uptime_at_hello_s = -1;  // guest: its own clock at hello
  double scenario_s = -1;               // hello to the moment the cell's end was decided
  double evidence_s = -1;               // of scenario_s: after the monitor's stall/hang report
  double dump_s = -1;                   // the memory dump, when one was taken
  double teardown_s = -1;               // destroying the guest
  double after_s = -1;                  // reading back the console and trace
  double cell_s = 0;                    // host: whole attempt, overlay to destroyed
};

struct CellAttempt {
  CellObservation observation;
  VerdictDecision decision;
  CellTiming timing;
  nlohmann::json agent_hello;   // the hello message, if any
  nlohmann::json agent_result;  // the result message, if any
  nlohmann::json agent_stall;   // the first stall/hang message (blocked tasks, stacks), if any
  nlohmann::json trace_end;     // the agent's trace_end message, if any
  nlohmann::json trace;         // summary of trace.txt (report/trace_summary.h), or null
  nlohmann::json file_end;      // the agent's file_end message (perf.data), if any
  nlohmann::json perf;          // perf.data as received: file, bytes, whole; or null
  std::vector<ReportGroup> report_groups;
  nlohmann::json dump;  // the memory dump's record (run/memory_dump.h), null if none was asked for
};

// fuselab repro's side of a held guest (its terminal, shell and keys), called on the runner's
// thread: `started` once the guest runs, `poll` every turn of the watch (at least every
// poll_interval), `stopping` before the guest is destroyed (the shell stream must be gone then).
class GuestSession {
 public:
  virtual ~GuestSession() = default;
  virtual void started(Guest& guest) = 0;
  virtual void poll(Guest& guest) = 0;
  virtual void stopping() = 0;
};

struct CellRunOptions {
  std::chrono::milliseconds poll_interval{100};
  // After bye the agent has nothing more to say and the overlay is thrown away, so a clean
  // guest power-off buys nothing (it took ~1.5 s under TCG): destroy after a short grace for
  // trailing console lines.
  std::chrono::milliseconds shutdown_grace{100};
  // How long the host may be blind (both streams closed, guest paused, state unknown) before the
  // cell ends INFRA; a guest powering off closes its streams just before it reads as shut off.
  std::chrono::milliseconds lost_grace{3000};
  size_t console_limit = 64 << 20;  // bytes of console kept; the rest is counted only
  size_t channel_limit = 16 << 20;
  // After the guest reads as shut off, how long both streams are drained for what was in flight.
  std::chrono::milliseconds drain_limit{2000};
  // After the console showed a panic's last line, how long trailing bytes are still read.
  std::chrono::milliseconds panic_grace{300};
  // After a stall/hang report, the console must have been quiet this long (sysrq-t's task dump
  // done) before the evidence counts as in (CellSpec::confirm_s).
  std::chrono::milliseconds console_quiet{1000};
  const Clock* clock = nullptr;  // null: the steady clock (tests: a manual one)
  // fuselab repro: the guest stays up until `stop` or until it powers off by itself. The agent is
  // asked to stay up after its bye; the cell, silence and evidence deadlines do not apply (the
  // boot deadline does: a guest that never says hello is still reported).
  bool hold = false;
  // Called with every console chunk as it arrives (repro: the user's terminal).
  std::function<void(std::string_view)> console_tee;
  // fuselab repro --shell (with hold only): the guest gets a second console and the agent a run
  // message with `shell`, so it starts a root shell there before the scenario.
  bool shell = false;
  GuestSession* session = nullptr;  // not owned; null: none
  // --dump-on-hang (every cell) or a cell's own dump_on_hang: a HANG/STALL cell's guest memory
  // goes to cell_dir/vmcore before the guest is destroyed (a held guest: once the evidence time
  // after the agent's report is over), counted against this budget. Null: no dumps at all.
  DumpBudget* dump_budget = nullptr;
  bool dump_on_hang = false;
  DumpFormat dump_format = DumpFormat::Elf;
  // fuselab repro --gdb: QEMU's gdbstub on 127.0.0.1:gdb_port and nokaslr; 0: none.
  unsigned gdb_port = 0;
};

// result.json's `timing`: start_s, boot_to_hello_s, guest_uptime_at_hello_s and cell_s always (as
// before phases were timed), and each phase that happened (overlay_s, define_start_s, scenario_s,
// evidence_s, dump_s, teardown_s, after_s).
nlohmann::json cell_timing_json(const CellTiming& timing);

// Runs one attempt of `cell`; its files go to `cell_dir` (console.log, agent.jsonl, domain.xml).
// `overlay_dir` holds the throwaway disk overlay, removed before returning.
CellAttempt run_cell_attempt(Backend& backend, const CellSpec& cell, const BootArtifacts& boot,
                             const std::string& guest_name, const std::filesystem::path& cell_dir,
                             const std::filesystem::path& overlay_dir,
                             const std::atomic<bool>& stop, const CellRunOptions& options = {});

// The kernel command line every cell gets (PROTOCOL.md "Boot").
std::string guest_cmdline();
// What `cell` boots with: guest_cmdline() and the cell's own kernel_cmdline.
std::string cell_cmdline(const CellSpec& cell);
// Whether a cell's guest is dumped when it hangs (and so boots with vmcoreinfo).
bool wants_memory_dump(const CellSpec& cell, const CellRunOptions& options);

}  // namespace fuselab
