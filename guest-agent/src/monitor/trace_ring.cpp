#include "monitor/trace_ring.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <sstream>

#include "monitor/memory_watch.h"
#include "monitor/proc_files.h"
#include "protocol/channel.h"
#include "util/clock.h"
#include "util/kernel_file.h"

namespace fuselab::agent {
namespace {

// In the order a reader follows the story: the server enters memcg reclaim (begin) and never
// leaves it (no end) because it waits on a folio under writeback, whose writeback is a FUSE
// request only that server can answer. Older names stand next to newer ones: the kernel lists
// the ones it has.
constexpr const char* kWanted[] = {
    "vmscan:mm_vmscan_memcg_reclaim_begin",
    "vmscan:mm_vmscan_memcg_reclaim_end",
    "vmscan:mm_vmscan_direct_reclaim_begin",
    "vmscan:mm_vmscan_direct_reclaim_end",
    "vmscan:mm_vmscan_write_folio",
    "vmscan:mm_vmscan_writepage",  // before 6.x's folio rename
    "vmscan:mm_vmscan_throttled",  // reclaim_throttle(): the livelock of the STALL cells
    "writeback:folio_wait_writeback",
    "writeback:wait_on_page_writeback",  // older name of the same wait
    "writeback:writeback_start",
    "writeback:writeback_written",
    "writeback:writeback_wait",
    "writeback:writeback_single_inode_start",
    "writeback:writeback_single_inode",
    "writeback:balance_dirty_pages",
};
// Every event of these systems, whatever they are called in this kernel.
constexpr const char* kWantedSystems[] = {"fuse:"};

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// No allocation: also called from send().
bool write_file(const std::string& path, const char* value, int flags = 0) {
  return write_kernel_file(path.c_str(), value, flags);
}

}  // namespace

std::vector<std::string> TraceRing::pick_events(const std::string& available) {
  std::vector<std::string> listed;
  std::istringstream lines(available);
  for (std::string line; std::getline(lines, line) && listed.size() < 100000;) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
    if (!line.empty()) listed.push_back(line);
  }
  std::vector<std::string> picked;
  for (const char* want : kWanted) {
    for (const auto& l : listed)
      if (l == want) picked.push_back(l);
  }
  for (const char* system : kWantedSystems) {
    for (const auto& l : listed)
      if (l.starts_with(system) && picked.size() < 64) picked.push_back(l);
  }
  return picked;
}

bool TraceRing::write_control(const char* name, const char* value) {
  return write_file(dir_ + "/" + name, value);
}

TraceRing::TraceRing() {
  try {
    for (const char* dir : {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}) {
      if (access((std::string(dir) + "/available_events").c_str(), R_OK) == 0) {
        dir_ = dir;
        break;
      }
    }
    // The guest's /sys is a fresh sysfs: tracefs is not mounted there unless we mount it.
    if (dir_.empty() &&
        mount("tracefs", "/sys/kernel/tracing", "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
              nullptr) == 0 &&
        access("/sys/kernel/tracing/available_events", R_OK) == 0)
      dir_ = "/sys/kernel/tracing";
    if (dir_.empty()) {
      problem_ =
          "no tracefs (mount tracefs /sys/kernel/tracing: " + std::string(std::strerror(errno)) +
          ")";
      return;
    }
    trace_path_ = dir_ + "/trace";
    tracing_on_path_ = dir_ + "/tracing_on";
    std::vector<std::string> events = pick_events(read_text(dir_ + "/available_events"));
    if (events.empty()) {
      problem_ = "none of the wanted events is in " + dir_ + "/available_events";
      return;
    }
    write_control("tracing_on", "0");
    write_control("current_tracer", "nop");
    write_file(dir_ + "/set_event", "", O_TRUNC);  // no event but ours
    if (write_control("buffer_size_kb", std::to_string(kBufferKibPerCpu).c_str()))
      buffer_kib_ = kBufferKibPerCpu;
    write_control("options/overwrite", "1");  // the newest events are the story of a hang
    write_file(trace_path_, "", O_TRUNC);     // empties the ring
    for (const auto& e : events) {
      auto colon = e.find(':');
      std::string enable = dir_ + "/events/" + e.substr(0, colon) + "/" + e.substr(colon + 1);
      (write_file(enable + "/enable", "1") ? enabled_ : failed_).push_back(e);
    }
    if (enabled_.empty()) {
      problem_ = "no event could be enabled";
      return;
    }
    active_ = write_control("tracing_on", "1");
    if (!active_) problem_ = "cannot write " + dir_ + "/tracing_on";
  } catch (const std::exception& e) {
    problem_ = e.what();
    active_ = false;
  }
}

nlohmann::json TraceRing::report() const {
  return {{"tracefs", dir_.empty() ? nlohmann::json() : nlohmann::json(dir_)},
          {"active", active_},
          {"buffer_size_kb", buffer_kib_},
          {"enabled", enabled_},
          {"failed", failed_},
          {"problem", problem_.empty() ? nlohmann::json() : nlohmann::json(problem_)},
          {"sent", sent_},
          {"sent_bytes", sent_bytes_},
          {"chunks", chunks_}};
}

void TraceRing::send(Channel& channel, MonitorLine& line, char* scratch, std::size_t scratch_size,
                     const char* reason) {
  if (sent_) return;
  sent_ = true;
  const char* problem = problem_.empty() ? nullptr : problem_.c_str();
  bool truncated = false;
  long long overrun = 0;
  try {
    UniqueFd fd;
    if (active_) {
      // Stopped first: what follows (our own reads, the guest's end) is not the cell's story.
      write_file(tracing_on_path_, "0");
      fd.reset(open(trace_path_.c_str(), O_RDONLY | O_CLOEXEC));
      if (!fd) problem = "cannot open the trace file";
    }
    const std::size_t chunk = std::min(kChunkBytes, scratch_size);
    while (fd) {
      ssize_t n = read(fd.get(), scratch, chunk);
      if (n <= 0) break;
      std::size_t take = static_cast<std::size_t>(n);
      if (sent_bytes_ + take > kMaxSendBytes) {
        take = kMaxSendBytes - sent_bytes_;
        truncated = true;
      }
      line.clear();
      line.raw("{\"msg\":").str(protocol::message_name(protocol::MessageType::Trace));
      line.raw(",\"seq\":").u64(chunks_).raw(",\"data\":").str({scratch, take}).raw("}\n");
      if (line.overflowed()) break;  // cannot happen with kChunkBytes; never a broken line
      channel.send_line(line.view());
      sent_bytes_ += take;
      ++chunks_;
      if (truncated) break;
    }
    // Events the ring overwrote (per CPU "overrun"): the text is the newest part of the story.
    for (int cpu = 0; active_ && cpu < 1024; ++cpu) {
      char path[160];
      std::snprintf(path, sizeof(path), "%s/per_cpu/cpu%d/stats", dir_.c_str(), cpu);
      std::string_view stats = read_small_file(path, scratch, scratch_size);
      if (stats.empty()) break;
      long long v = keyed_value(stats, "overrun:");
      if (v > 0) overrun += v;
    }
    line.clear();
    line.raw("{\"msg\":").str(protocol::message_name(protocol::MessageType::TraceEnd));
    line.raw(",\"t\":").number(boot_time_s()).raw(",\"reason\":").str(reason);
    line.raw(",\"bytes\":").u64(sent_bytes_).raw(",\"chunks\":").u64(chunks_);
    line.raw(",\"truncated\":").raw(truncated ? "true" : "false");
    line.raw(",\"overrun\":").i64(overrun).raw(",\"buffer_size_kb\":").u64(buffer_kib_);
    line.raw(",\"events\":[");
    for (std::size_t i = 0; i < enabled_.size(); ++i) line.raw(i ? "," : "").str(enabled_[i]);
    line.raw("]");
    if (problem != nullptr) line.raw(",\"problem\":").str(problem);
    line.raw("}\n");
    if (!line.overflowed()) channel.send_line(line.view());
  } catch (const std::exception&) {
    // The channel is gone or stuck: the monitor goes on; the host has what arrived.
  }
}

}  // namespace fuselab::agent
