// A run needs disk: overlays grow with what guests write, kernels and images land in the cache.
// A full disk pauses QEMU mid-cell (a false INFRA at best), so a run looks before it starts.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace fuselab {

inline constexpr std::uint64_t kWarnFreeBytes = 5ull << 30;    // below: a warning
inline constexpr std::uint64_t kRefuseFreeBytes = 1ull << 30;  // below: the run does not start

// "12.3 GiB", "800 MiB": sizes as users read them.
std::string human_size(std::uint64_t bytes);

// Warns for each path whose filesystem has less than kWarnFreeBytes free, and throws UserError
// naming the path and its free space when one has less than kRefuseFreeBytes.
void check_free_space(const std::vector<std::filesystem::path>& paths);

}  // namespace fuselab
