#include "run/cell_runner.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>

#include "channel/agent_message.h"
#include "common/error.h"
#include "common/paths.h"
#include "image/artifacts.h"
#include "protocol/line_splitter.h"

namespace fs = std::filesystem;

namespace fuselab {
namespace {

double seconds_since(const Clock& clock, Clock::time_point t0) {
  return std::chrono::duration<double>(clock.now() - t0).count();
}

// Appends to a file up to a byte limit, counting what it had to drop.
class BoundedLog {
 public:
  BoundedLog(const fs::path& path, size_t limit)
      : out_(path, std::ios::binary | std::ios::trunc), limit_(limit) {}
  void write(std::string_view data) {
    size_t room = written_ < limit_ ? limit_ - written_ : 0;
    size_t n = std::min(room, data.size());
    out_.write(data.data(), static_cast<std::streamsize>(n));
    out_.flush();  // the file is the evidence if we die next
    written_ += n;
    dropped_ += data.size() - n;
  }
  size_t dropped() const { return dropped_; }

 private:
  std::ofstream out_;
  size_t limit_;
  size_t written_ = 0;
  size_t dropped_ = 0;
};

// How long a condition has held, for the runner's graces (a plain time point and flag: GCC 12
// warns maybe-uninitialized about std::optional<time_point> here at -O2).
class Held {
 public:
  // How long the condition has held as of `now`; zero when it does not hold.
  Clock::duration update(bool holds, Clock::time_point now) {
    if (!holds) {
      on_ = false;
      return Clock::duration::zero();
    }
    if (!on_) {
      on_ = true;
      since_ = now;
    }
    return now - since_;
  }

 private:
  bool on_ = false;
  Clock::time_point since_{};
};

// The state of one watch over a guest, fed by its output.
struct Watch {
  CellAttempt& attempt;
  const CellSpec& cell;
  Guest& guest;
  BoundedLog& agent_log;
  const Clock& clock;
  Clock::time_point started;
  protocol::LineSplitter lines;
  bool bye = false;
  bool spec_sent = false;
  std::optional<Clock::time_point> stall_at;  // first stall/hang message from the agent
  bool hold = false;                          // CellRunOptions::hold: ask the agent to stay up

  void on_channel(std::string_view bytes) {
    for (const auto& line : lines.feed(bytes)) {
      agent_log.write(line + "\n");
      AgentMessage msg = parse_agent_message(line);
      auto& obs = attempt.observation;
      switch (msg.type) {
        case AgentMessageType::Hello:
          if (obs.hello_seen) break;
          obs.hello_seen = true;
          attempt.agent_hello = msg.body;
          attempt.timing.boot_to_hello_s = seconds_since(clock, started);
          attempt.timing.guest_uptime_at_hello_s = msg.t;
          if (json_u64(msg.body, "proto").value_or(0) != protocol::kVersion) {
            obs.agent_error.detail = "agent speaks protocol " +
                                     msg.body.value("proto", nlohmann::json()).dump() +
                                     ", host speaks " + std::to_string(protocol::kVersion);
          }
          spec_sent = guest.send_channel(protocol::run_message_line(agent_spec(cell), hold));
          spdlog::debug("[{}] agent hello after {:.2f} s; spec sent: {}", cell.id,
                        attempt.timing.boot_to_hello_s, spec_sent);
          break;
        case AgentMessageType::Result: {
          if (obs.result_seen) break;
          obs.result_seen = true;
          attempt.agent_result = msg.body;
          obs.result_ok = json_bool(msg.body, "ok").value_or(false);
          auto written = json_u64(msg.body, "bytes_written");
          auto counted = json_u64(msg.body, "server_bytes_written");
          // Through a shared mapping a page dirtied again during its writeback reaches the server
          // twice (the agent reports the excess as server.rewritten_bytes): more is fine, less is
          // not.
          bool counted_ok =
              written && counted &&
              (cell.workload.kind == "mmap-write" ? *counted >= *written : *counted == *written);
          obs.bytes_match =
              counted_ok && *written == static_cast<unsigned long long>(cell.workload.size_mib)
                                            << 20;
          break;
        }
        case AgentMessageType::Error:
          if (obs.agent_error.empty()) {
            obs.agent_error = {json_string(msg.body, "stage").value_or("?"),
                               json_string(msg.body, "detail").value_or("").substr(0, 500)};
          }
          break;
        case AgentMessageType::Stall:
        case AgentMessageType::Hang:
          if (!stall_at) stall_at = clock.now();
          (msg.type == AgentMessageType::Hang ? obs.agent_hang : obs.agent_stall) = true;
          if (attempt.agent_stall.is_null()) attempt.agent_stall = msg.body;
          spdlog::debug("[{}] agent reports a {}", cell.id,
                        msg.type == AgentMessageType::Hang ? "hang" : "stall");
          break;
        case AgentMessageType::Skip:
          obs.skip_reason = json_string(msg.body, "reason").value_or("the agent could not say why");
          if (obs.skip_reason.empty()) obs.skip_reason = "skipped";
          break;
        case AgentMessageType::Bye:
          bye = true;
          break;
        case AgentMessageType::Progress:
          break;
        case AgentMessageType::Invalid:
          spdlog::debug("[{}] ignoring agent line: {}", cell.id, msg.problem);
          break;
      }
    }
  }
};

}  // namespace

// panic=1: reboot (which destroys the domain) one second after a panic, not at once: with
// panic=-1 QEMU could exit before the serial console's last bytes left its pty, and a boot panic
// then read as a silent power-off on one attempt of two (seen in a clean-clone CI run).
std::string guest_cmdline() { return "console=ttyS0 panic=1 loglevel=7 fuselab.root=/dev/vda"; }

std::string cell_cmdline(const CellSpec& cell) {
  std::string cmdline = guest_cmdline();
  if (!cell.kernel_cmdline.empty()) cmdline += " " + cell.kernel_cmdline;
  return cmdline;
}

bool wants_memory_dump(const CellSpec& cell, const CellRunOptions& options) {
  return options.dump_budget && (options.dump_on_hang || cell.dump_on_hang);
}

CellAttempt run_cell_attempt(Backend& backend, const CellSpec& cell, const BootArtifacts& boot,
                             const std::string& guest_name, const fs::path& cell_dir,
                             const fs::path& overlay_dir, const std::atomic<bool>& stop,
                             const CellRunOptions& options) {
  CellAttempt attempt;
  auto& obs = attempt.observation;
  const Clock& clock = options.clock ? *options.clock : steady_clock();
  const auto started = clock.now();
  fs::create_directories(cell_dir);
  BoundedLog console_log(cell_dir / "console.log", options.console_limit);
  BoundedLog agent_log(cell_dir / "agent.jsonl", options.channel_limit);

  fs::path overlay = overlay_dir / (guest_name + ".qcow2");
  struct OverlayGuard {
    fs::path path;
    ~OverlayGuard() {
      std::error_code ec;
      fs::remove(path, ec);
    }
  } overlay_guard{overlay};

  std::unique_ptr<Guest> guest;
  try {
    if (!boot.base_image.empty()) create_overlay(boot.base_image, overlay);
    std::string cmdline = cell_cmdline(cell);
    // A gdb session reads symbols at their link addresses: no randomised base.
    if (options.gdb_port) cmdline += " nokaslr";
    GuestSpec spec{guest_name, boot.kernel,     boot.initrd, cmdline,
                   overlay,    cell.memory_mib, cell.vcpus,  boot.accel};
    spec.vmcoreinfo = wants_memory_dump(cell, options);
    spec.gdb_port = options.gdb_port;
    guest = backend.start(spec);
    write_file_atomic(cell_dir / "domain.xml", guest->description());
  } catch (const InfraError& e) {
    obs.end = CellEnd::HostError;
    obs.host_detail = e.what();
    attempt.decision = decide_verdict(obs);
    attempt.timing.cell_s = seconds_since(clock, started);
    return attempt;
  }
  attempt.timing.start_s = seconds_since(clock, started);

  Watch watch{
      attempt, cell,  *guest,       agent_log,   clock, clock.now(), protocol::LineSplitter(),
      false,   false, std::nullopt, options.hold};
  const auto boot_deadline = watch.started + std::chrono::seconds(cell.boot_timeout_s);
  const auto cell_deadline = watch.started + std::chrono::seconds(cell.cell_timeout_s);
  const auto silence = std::chrono::seconds(cell.silence_timeout_s);
  auto last_output = clock.now();
  std::optional<Clock::time_point> bye_at;

  const bool dump_wanted = wants_memory_dump(cell, options);
  auto dump_now = [&] {
    attempt.dump =
        take_memory_dump(*guest, cell.memory_mib, cell_dir / "vmcore", *options.dump_budget, &stop);
  };

  // Moments the host's view of the guest went bad; each ends the cell only after a grace, since
  // a guest that powers off closes its streams a moment before libvirt reports it shut off.
  Held blind_for, paused_for, unknown_for;

  while (true) {
    GuestOutput out = guest->poll(options.poll_interval);
    const auto now = clock.now();
    if (!out.console.empty()) {
      console_log.write(out.console);
      if (options.console_tee) options.console_tee(out.console);
    }
    if (!out.channel.empty()) watch.on_channel(out.channel);
    if (!out.console.empty() || !out.channel.empty()) last_output = now;
    if (watch.bye && !bye_at) {
      bye_at = now;
      spdlog::debug("[{}] agent said bye", cell.id);
    }

    GuestState state = guest->state();
    if (state == GuestState::Shutoff || state == GuestState::Crashed) {
      // Collect what was still in flight: libvirt reports "shutting down" while QEMU still
      // flushes the serial line, so a kernel panic's last lines (its report) arrive after this
      // state. Drain until both streams end, for at most a short, fixed time.
      const auto drain_until = clock.now() + options.drain_limit;
      bool console_done = out.console_closed, channel_done = out.channel_closed;
      while (!(console_done && channel_done) && clock.now() < drain_until) {
        GuestOutput rest = guest->poll(std::chrono::milliseconds(100));
        console_log.write(rest.console);
        if (options.console_tee && !rest.console.empty()) options.console_tee(rest.console);
        watch.on_channel(rest.channel);
        console_done = console_done || rest.console_closed;
        channel_done = channel_done || rest.channel_closed;
      }
      obs.end = !watch.bye                ? CellEnd::PoweredOff
                : obs.skip_reason.empty() ? CellEnd::AgentDone
                                          : CellEnd::AgentSkip;
      spdlog::debug("[{}] guest is off", cell.id);
      if (!watch.bye) obs.host_detail = guest->exit_detail();
      break;
    }
    if (stop) {
      // A held guest (repro) is stopped by its user: the cell ended as far as it got.
      obs.end = !options.hold    ? CellEnd::Interrupted
                : watch.stall_at ? CellEnd::AgentStall
                : watch.bye ? (obs.skip_reason.empty() ? CellEnd::AgentDone : CellEnd::AgentSkip)
                            : CellEnd::Interrupted;
      break;
    }
    if (bye_at && !options.hold && now - *bye_at > options.shutdown_grace) {
      obs.end = obs.skip_reason.empty() ? CellEnd::AgentDone : CellEnd::AgentSkip;
      break;
    }
    // What the host cannot see is not the kernel's fault: with both streams gone, a paused guest
    // or a state libvirt cannot report, no deadline below may turn into a HANG or STALL.
    const bool blind = out.console_closed && out.channel_closed;
    const auto blind_d = blind_for.update(blind, now);
    const auto paused_d = paused_for.update(state == GuestState::Paused, now);
    const auto unknown_d = unknown_for.update(state == GuestState::Unknown, now);
    if (blind && blind_d > options.lost_grace) {
      obs.end = CellEnd::LostGuest;
      obs.host_detail = "console and agent channel closed while the domain is " +
                        std::string(state == GuestState::Running  ? "running"
                                    : state == GuestState::Paused ? "paused"
                                                                  : "in an unknown state");
      if (std::string d = guest->state_detail(); !d.empty()) obs.host_detail += " (" + d + ")";
      break;
    }
    if (state == GuestState::Paused && paused_d > options.lost_grace) {
      obs.end = CellEnd::GuestPaused;
      obs.host_detail = guest->state_detail();
      if (obs.host_detail.empty()) obs.host_detail = "paused the guest";
      std::error_code ec;
      auto space = fs::space(overlay_dir, ec);
      if (!ec) {
        obs.host_detail +=
            fmt::format("; free space under {}: {} MiB of {} MiB", overlay_dir.string(),
                        space.available >> 20, space.capacity >> 20);
      }
      break;
    }
    if (state == GuestState::Unknown && unknown_d > options.lost_grace) {
      obs.end = CellEnd::LostGuest;
      obs.host_detail = guest->state_detail();
      if (obs.host_detail.empty()) obs.host_detail = "libvirt cannot tell the guest's state";
      break;
    }
    if (blind || state == GuestState::Paused || state == GuestState::Unknown) {
      // poll() returns at once with both streams closed: do not spin.
      if (blind) clock.sleep_for(options.poll_interval);
      last_output = now;  // silence while the host cannot see is not the guest's silence
      continue;
    }
    // The monitor has reported a stall or hang: collect evidence for a while, then end the cell
    // rather than wait for the whole-cell deadline (unless the workload finishes meanwhile).
    if (watch.stall_at && !obs.result_seen &&
        now - *watch.stall_at > std::chrono::seconds(cell.evidence_s)) {
      if (!options.hold) {
        obs.end = CellEnd::AgentStall;
        break;
      }
      // A held guest stays up for its user; its dump is taken when a run would have ended it.
      if (dump_wanted && attempt.dump.is_null()) dump_now();
    }
    if (!obs.hello_seen && now > boot_deadline) {
      obs.end = CellEnd::BootDeadline;
      break;
    }
    if (!options.hold && now > cell_deadline) {
      obs.end = CellEnd::CellDeadline;
      break;
    }
    if (!options.hold && now - last_output > silence) {
      obs.end = CellEnd::Silence;
      break;
    }
  }
  // The ends that become HANG or STALL (verdict.cpp), dumped before the guest goes.
  const bool hung = obs.end == CellEnd::AgentStall || obs.end == CellEnd::CellDeadline ||
                    obs.end == CellEnd::Silence;
  if (dump_wanted && hung && attempt.dump.is_null() && !stop) dump_now();
  guest->destroy(std::chrono::seconds(30));
  guest.reset();
  spdlog::debug("[{}] guest destroyed ({})", cell.id, to_string(obs.end));

  if (console_log.dropped())
    spdlog::warn("[{}] console output beyond {} bytes was dropped", cell.id, options.console_limit);
  try {
    obs.reports = parse_console(read_file(cell_dir / "console.log"));
  } catch (const std::exception& e) {
    spdlog::warn("[{}] cannot read back the console log: {}", cell.id, e.what());
  }
  // A kernel report explains a power-off (panic=1 reboots, and a reboot destroys the domain):
  // QEMU's log tail would only bury the report in the reason.
  if (obs.end == CellEnd::PoweredOff &&
      std::any_of(obs.reports.begin(), obs.reports.end(),
                  [](const KernelReport& r) { return is_kernel_failure(r.kind); })) {
    obs.host_detail.clear();
  }
  attempt.report_groups = group_reports(obs.reports);
  attempt.decision = decide_verdict(obs);
  attempt.timing.cell_s = seconds_since(clock, started);
  return attempt;
}

}  // namespace fuselab
