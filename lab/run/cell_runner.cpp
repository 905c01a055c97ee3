#include "run/cell_runner.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "channel/agent_message.h"
#include "common/error.h"
#include "common/paths.h"
#include "image/artifacts.h"
#include "protocol/line_splitter.h"
#include "report/trace_summary.h"

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
  bool shell = false;                         // CellRunOptions::shell: and start a shell
  std::filesystem::path trace_path;           // trace.txt, opened at the first chunk
  std::unique_ptr<BoundedLog> trace_log;
  std::filesystem::path file_path;  // perf.data, opened at the first chunk
  std::unique_ptr<BoundedLog> file_log;
  unsigned long long file_chunks = 0;
  bool file_broken = false;
  // The writer or the server moved after that report: slow, not stuck, so no early end.
  bool moved_after_report = false;
  // What the agent is sent, and what its result is checked against: made once per watch.
  const protocol::AgentSpec spec = agent_spec(cell);
  static constexpr size_t kMaxFileBytes = 16UL << 20;

  // A trace is being sent (chunks came, its trace_end not yet).
  bool trace_in_flight() const { return trace_log && attempt.trace_end.is_null(); }
  // The monitor's evidence is in: its report, and the trace it said would follow (or none). An
  // agent that does not say whether one follows gets the cell's whole evidence_s.
  bool evidence_in() const {
    auto trace = json_bool(attempt.agent_stall, "trace");
    return trace && (!*trace || !attempt.trace_end.is_null());
  }
  // A hung task would have been reported by now: the monitor relayed a report, or its stall
  // came after twice the detector's period without progress (khungtaskd looks once a period, so
  // a task blocked since progress stopped is named within two). Otherwise a report may be on its
  // way (the stall control: stall at 5 s, the hung task at 6-8 s), and the cell keeps its
  // whole evidence_s to read it.
  bool hung_task_had_its_chance() const {
    if (attempt.observation.agent_hang) return true;
    const unsigned period = cell.monitor.hung_task_timeout_secs;
    const auto waited = json_number(attempt.agent_stall, "since_progress_s");
    return period != 0 && waited && *waited >= 2.0 * period;
  }

  void on_channel(std::string_view bytes) {
    for (const auto& line : lines.feed(bytes)) {
      AgentMessage msg = parse_agent_message(line);
      // The trace's text goes to trace.txt as it comes (a hung guest never powers off), not into
      // agent.jsonl, whose limit it would use up.
      if (msg.type != AgentMessageType::Trace && msg.type != AgentMessageType::File)
        agent_log.write(line + "\n");
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
          spec_sent = guest.send_channel(protocol::run_message_line(spec, hold, shell));
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
          // Where a page may reach the server twice (protocol::server_may_count_rewrites; the
          // agent reports the excess as server.rewritten_bytes) more is fine, less is not.
          bool counted_ok = written && counted &&
                            (protocol::server_may_count_rewrites(spec) ? *counted >= *written
                                                                       : *counted == *written);
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
          if (!attempt.agent_stall.is_null() && !moved_after_report) {
            for (const char* count : {"bytes_done", "server_bytes_written"}) {
              auto then = json_u64(attempt.agent_stall, count), now = json_u64(msg.body, count);
              moved_after_report = moved_after_report || (then && now && *now != *then);
            }
          }
          break;
        case AgentMessageType::Trace:
          if (!trace_log) trace_log = std::make_unique<BoundedLog>(trace_path, kMaxTraceBytes);
          trace_log->write(msg.body["data"].get_ref<const std::string&>());
          break;
        case AgentMessageType::TraceEnd:
          if (attempt.trace_end.is_null()) attempt.trace_end = msg.body;
          break;
        case AgentMessageType::File:
          // In order or not at all: a gap would make a perf.data that only looks whole.
          if (json_u64(msg.body, "seq").value_or(0) != file_chunks || file_broken) {
            file_broken = true;
            break;
          }
          if (!file_log) file_log = std::make_unique<BoundedLog>(file_path, kMaxFileBytes);
          file_log->write(msg.body["data"].get_ref<const std::string&>());
          ++file_chunks;
          break;
        case AgentMessageType::FileEnd:
          if (attempt.file_end.is_null()) attempt.file_end = msg.body;
          break;
        case AgentMessageType::Run:  // parse_agent_message refuses it: the host's own message
        case AgentMessageType::Invalid:
          spdlog::debug("[{}] ignoring agent line: {}", cell.id, msg.problem);
          break;
      }
    }
  }
};

// Finds the last line panic() prints in the console stream, across chunk boundaries: with a
// panic timeout "Rebooting in N seconds..", then the wait; without one
// "---[ end Kernel panic - not syncing: ... ]---", then the halt.
class PanicEnd {
 public:
  bool feed(std::string_view chunk) {
    if (seen_) return true;
    tail_.append(chunk);
    for (auto marker : kMarkers) seen_ = seen_ || tail_.find(marker) != std::string::npos;
    if (tail_.size() > kKeep) tail_.erase(0, tail_.size() - kKeep);
    return seen_;
  }

 private:
  static constexpr std::string_view kMarkers[] = {"] Rebooting in ", "---[ end Kernel panic"};
  static constexpr std::size_t kKeep = 32;
  std::string tail_;
  bool seen_ = false;
};

}  // namespace

// The host ends a cell when the console shows a panic's last line (PanicEnd), while the guest
// still sits in panic() with its console intact. panic=5 reboots (which destroys the domain) only
// if that line never came: with panic=-1, and in 1 of 10 runs with panic=1, QEMU exited before the
// serial console's last bytes left its pty, and a boot panic read as a silent power-off.
std::string guest_cmdline() { return "console=ttyS0 panic=5 loglevel=7 fuselab.root=/dev/vda"; }

std::string cell_cmdline(const CellSpec& cell) {
  std::string cmdline = guest_cmdline();
  if (!cell.kernel_cmdline.empty()) cmdline += " " + cell.kernel_cmdline;
  return cmdline;
}

bool wants_memory_dump(const CellSpec& cell, const CellRunOptions& options) {
  return options.dump_budget && (options.dump_on_hang || cell.dump_on_hang);
}

nlohmann::json cell_timing_json(const CellTiming& t) {
  nlohmann::json j = {{"start_s", t.start_s},
                      {"boot_to_hello_s", t.boot_to_hello_s},
                      {"guest_uptime_at_hello_s", t.guest_uptime_at_hello_s},
                      {"cell_s", t.cell_s}};
  const std::pair<const char*, double> phases[] = {
      {"overlay_s", t.overlay_s},   {"define_start_s", t.define_start_s},
      {"scenario_s", t.scenario_s}, {"evidence_s", t.evidence_s},
      {"dump_s", t.dump_s},         {"teardown_s", t.teardown_s},
      {"after_s", t.after_s}};
  for (const auto& [name, seconds] : phases) {
    if (seconds >= 0) j[name] = std::round(seconds * 1000) / 1000;
  }
  return j;
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
  {
    std::error_code ignored;
    fs::remove(cell_dir / "trace.txt", ignored);  // an earlier attempt's
    fs::remove(cell_dir / "perf.data", ignored);
  }
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
    attempt.timing.overlay_s = seconds_since(clock, started);
    std::string cmdline = cell_cmdline(cell);
    // A gdb session reads symbols at their link addresses: no randomised base.
    if (options.gdb_port) cmdline += " nokaslr";
    GuestSpec spec{guest_name, boot.kernel,     boot.initrd, cmdline,
                   overlay,    cell.memory_mib, cell.vcpus,  boot.accel};
    spec.shell_console = options.hold && options.shell;
    spec.vmcoreinfo = wants_memory_dump(cell, options);
    spec.gdb_port = options.gdb_port;
    guest = backend.start(spec);
    attempt.timing.define_start_s = seconds_since(clock, started) - attempt.timing.overlay_s;
    write_file_atomic(cell_dir / "domain.xml", guest->description());
    if (options.session) options.session->started(*guest);
  } catch (const InfraError& e) {
    obs.end = CellEnd::HostError;
    obs.host_detail = e.what();
    attempt.decision = decide_verdict(obs);
    attempt.timing.cell_s = seconds_since(clock, started);
    return attempt;
  }
  attempt.timing.start_s = seconds_since(clock, started);

  Watch watch{attempt,
              cell,
              *guest,
              agent_log,
              clock,
              clock.now(),
              protocol::LineSplitter(),
              false,
              false,
              std::nullopt,
              options.hold,
              options.hold && options.shell,
              cell_dir / "trace.txt",
              nullptr,
              cell_dir / "perf.data"};
  const auto boot_deadline = watch.started + std::chrono::seconds(cell.boot_timeout_s);
  const auto cell_deadline = watch.started + std::chrono::seconds(cell.cell_timeout_s);
  const auto silence = std::chrono::seconds(cell.silence_timeout_s);
  auto last_output = clock.now();
  auto last_console = clock.now();
  std::optional<Clock::time_point> bye_at;
  PanicEnd panic_end;
  std::optional<Clock::time_point> panic_at;

  const bool dump_wanted = wants_memory_dump(cell, options);
  auto dump_now = [&] {
    const auto t0 = clock.now();
    attempt.dump = take_memory_dump(*guest, cell.memory_mib, options.dump_format,
                                    cell_dir / "vmcore", *options.dump_budget, &stop);
    attempt.timing.dump_s = seconds_since(clock, t0);
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
      if (!panic_at && panic_end.feed(out.console)) panic_at = now;
      last_console = now;
    }
    if (!out.channel.empty()) watch.on_channel(out.channel);
    if (options.session) options.session->poll(*guest);
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
        if (!panic_at && panic_end.feed(rest.console)) panic_at = clock.now();
        watch.on_channel(rest.channel);
        console_done = console_done || rest.console_closed;
        channel_done = channel_done || rest.channel_closed;
      }
      obs.end = panic_at                  ? CellEnd::KernelPanic
                : !watch.bye              ? CellEnd::PoweredOff
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
    // The panic is over (the kernel only waits for its reboot now): a short grace for trailing
    // bytes, then end, before the reboot can destroy the domain and lose the console's tail.
    if (panic_at && now - *panic_at > options.panic_grace) {
      obs.end = CellEnd::KernelPanic;
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
    // A trace still coming in gets up to a minute more: it is the evidence being collected.
    // Sooner when the evidence is in, the console (sysrq's task dump) is quiet and nothing moved
    // for confirm_s since the report: waiting longer would only tell a hang from a slow cell
    // that resumes later than that, and cost every HANG and STALL cell the difference.
    const auto evidence_for =
        std::chrono::seconds(cell.evidence_s) +
        (watch.trace_in_flight() ? std::chrono::seconds(60) : std::chrono::seconds(0));
    const bool evidence_settled = watch.stall_at && watch.evidence_in() &&
                                  watch.hung_task_had_its_chance() && !watch.moved_after_report &&
                                  now - *watch.stall_at >= std::chrono::seconds(cell.confirm_s) &&
                                  now - last_console >= options.console_quiet;
    if (watch.stall_at && !obs.result_seen &&
        (evidence_settled || now - *watch.stall_at > evidence_for)) {
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
  if (obs.hello_seen)
    attempt.timing.scenario_s =
        seconds_since(clock, watch.started) - attempt.timing.boot_to_hello_s;
  if (watch.stall_at) attempt.timing.evidence_s = seconds_since(clock, *watch.stall_at);
  // The ends that become HANG or STALL (verdict.cpp), dumped before the guest goes.
  const bool hung = obs.end == CellEnd::AgentStall || obs.end == CellEnd::CellDeadline ||
                    obs.end == CellEnd::Silence;
  if (dump_wanted && hung && attempt.dump.is_null() && !stop) dump_now();
  if (options.session) options.session->stopping();
  const auto teardown_from = clock.now();
  guest->destroy(std::chrono::seconds(30));
  guest.reset();
  const auto teardown_to = clock.now();
  attempt.timing.teardown_s = seconds_since(clock, teardown_from);
  spdlog::debug("[{}] guest destroyed ({})", cell.id, to_string(obs.end));

  if (console_log.dropped())
    spdlog::warn("[{}] console output beyond {} bytes was dropped", cell.id, options.console_limit);
  try {
    obs.reports = parse_console(read_file(cell_dir / "console.log"));
  } catch (const std::exception& e) {
    spdlog::warn("[{}] cannot read back the console log: {}", cell.id, e.what());
  }
  // A kernel report explains a power-off (panic=5 reboots, and a reboot destroys the domain):
  // QEMU's log tail would only bury the report in the reason.
  if ((obs.end == CellEnd::PoweredOff || obs.end == CellEnd::KernelPanic) &&
      std::any_of(obs.reports.begin(), obs.reports.end(),
                  [](const KernelReport& r) { return is_kernel_failure(r.kind); })) {
    obs.host_detail.clear();
  }
  attempt.report_groups = group_reports(obs.reports);
  if (watch.trace_log) {
    watch.trace_log.reset();  // flushed and closed before it is read back
    try {
      attempt.trace = summarize_trace(read_file(watch.trace_path));
      attempt.trace["file"] = "trace.txt";
      attempt.trace["agent"] = attempt.trace_end;  // null: the trace did not arrive whole
      // Who the open tasks are, by the monitor's task list (trace pids are thread ids).
      for (auto& u : attempt.trace["unfinished"]) {
        for (const auto& task : attempt.agent_stall.value("tasks", nlohmann::json::array())) {
          if (task.is_object() && task.value("tid", nlohmann::json()) == u["pid"] &&
              task.value("role", nlohmann::json()).is_string())
            u["role"] = task["role"];
        }
      }
    } catch (const std::exception& e) {
      spdlog::warn("[{}] cannot read back the trace: {}", cell.id, e.what());
    }
  } else if (!attempt.trace_end.is_null()) {
    attempt.trace = {{"file", nullptr}, {"agent", attempt.trace_end}};  // why there is none
  }
  if (watch.file_log) {
    watch.file_log.reset();
    // Whole only if every chunk came in order and the agent's count says so.
    const bool whole = !watch.file_broken && attempt.file_end.is_object() &&
                       json_u64(attempt.file_end, "chunks") == watch.file_chunks;
    std::error_code ec;
    const auto size = fs::file_size(watch.file_path, ec);
    attempt.perf = {{"file", whole ? nlohmann::json("perf.data") : nlohmann::json()},
                    {"bytes", ec ? 0 : size},
                    {"whole", whole},
                    {"agent", attempt.file_end}};
    if (!whole) fs::remove(watch.file_path, ec);  // never a perf.data that only looks whole
  }
  attempt.decision = decide_verdict(obs);
  attempt.timing.after_s = seconds_since(clock, teardown_to);
  attempt.timing.cell_s = seconds_since(clock, started);
  return attempt;
}

}  // namespace fuselab
