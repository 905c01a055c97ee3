// The host's load average, recorded in run.json before and after a run, and the warning a
// throughput plan gets when the host is already busy: every guest here runs on the host's CPUs
// (TCG above all), so another build or test run lowers a figure and widens its spread, and
// interleaving the repeats spreads that over both sides of a comparison but does not remove it.
#pragma once

#include <array>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace fuselab {

using LoadAverage = std::array<double, 3>;  // 1, 5 and 15 minutes

// The three averages at the start of /proc/loadavg's text; nullopt when it is not that.
std::optional<LoadAverage> parse_load_average(std::string_view text);
std::optional<LoadAverage> read_load_average(const std::filesystem::path& path = "/proc/loadavg");

// A sentence to warn with when the 1-minute load is above half the CPUs, else empty.
std::string busy_host_warning(const LoadAverage& load, unsigned cpus);

// {"cpus", "before": [1, 5, 15], "after": [...]} for run.json; a missing reading is null.
nlohmann::json host_load_json(unsigned cpus, const std::optional<LoadAverage>& before,
                              const std::optional<LoadAverage>& after);

}  // namespace fuselab
