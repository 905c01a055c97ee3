// The host's idle CPU, read from /proc/stat: what the cell pool measures before it starts a
// guest beside running ones. Under TCG a busy guest keeps host cores busy and a hung or
// livelocked one mostly sleeps, so idle time tells the two apart without asking the guest.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>

namespace fuselab {

// Jiffies summed over all CPUs since boot: idle (idle + iowait) and the total of every field.
struct CpuTimes {
  std::uint64_t idle = 0, total = 0;
};

// The aggregate "cpu " line of /proc/stat's text; nullopt when there is none or it is malformed.
std::optional<CpuTimes> parse_proc_stat(std::string_view text);
std::optional<CpuTimes> read_cpu_times(const std::filesystem::path& path = "/proc/stat");

// Idle cores between two readings (0 to cpus); nullopt when no time passed or the counters went
// backwards (a reading from before a counter reset is no basis for a decision).
std::optional<double> idle_cores(const CpuTimes& earlier, const CpuTimes& later, unsigned cpus);

}  // namespace fuselab
