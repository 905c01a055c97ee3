// The cell's ftrace ring: the kernel events that tell the deadlock's story (memcg
// reclaim begin/end, waits on writeback, reclaim writing folios, FUSE requests), recorded in a
// bounded, overwriting per-CPU buffer from before the workload starts, and sent to the host once:
// when the monitor reports a hang or stall, or at the end of a cell that asked for evidence.
//
// Which events exist is read from tracefs (available_events), never guessed from the kernel
// version. Setup (the constructor) may allocate; send() runs in the monitor's loop on a hang, so
// it only reads into the caller's fixed buffer and builds lines in the caller's LineBuffer.
// Nothing waits for a clean shutdown: every chunk is on the host as soon as it is sent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "channel/channel.h"
#include "monitor/line_buffer.h"

namespace fuselab::agent {

// The monitor's line buffer: under the channel's 64 KiB line limit.
using MonitorLine = LineBuffer<60UL * 1024>;

class TraceRing {
 public:
  static constexpr unsigned kBufferKibPerCpu = 1024;
  static constexpr std::size_t kMaxSendBytes = 8UL << 20;  // of trace text, per cell
  // Bytes of trace text per line: escaped (at most 6 bytes per byte) they stay under the line
  // limit, and the host's line splitter never cuts one.
  static constexpr std::size_t kChunkBytes = 8UL * 1024;

  // Finds (or mounts) tracefs, enables every wanted event the kernel has, sizes the ring and
  // turns tracing on. Never throws: what could not be done is in report().
  TraceRing();
  TraceRing(const TraceRing&) = delete;
  TraceRing& operator=(const TraceRing&) = delete;

  bool active() const { return active_; }
  bool sent() const { return sent_; }
  const std::vector<std::string>& enabled() const { return enabled_; }  // SYSTEM:NAME

  // Stops tracing, then sends the ring's text as `trace` lines and one `trace_end` (PROTOCOL.md),
  // `reason` saying why ("hang", "stall", "evidence"). Once per cell; no allocation.
  void send(Channel& channel, MonitorLine& line, char* scratch, std::size_t scratch_size,
            const char* reason);

  // The `trace` object of the monitor's report: tracefs, events enabled and missing.
  nlohmann::json report() const;

  // The wanted events (SYSTEM:NAME) that `available` (available_events' text) lists. Pure, for
  // unit tests.
  static std::vector<std::string> pick_events(const std::string& available);

 private:
  bool write_control(const char* name, const char* value);

  std::string dir_;                           // the tracefs mount ("" when none)
  std::string trace_path_, tracing_on_path_;  // built before the loop
  std::string problem_;
  std::vector<std::string> enabled_, failed_;
  unsigned buffer_kib_ = 0;
  bool active_ = false;
  bool sent_ = false;
  std::uint64_t sent_bytes_ = 0;
  std::uint64_t chunks_ = 0;
};

}  // namespace fuselab::agent
