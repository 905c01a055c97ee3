#include "run/disk_space.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/statvfs.h>

#include "common/error.h"

namespace fuselab {

std::string human_size(std::uint64_t bytes) {
  if (bytes >= (1ull << 30))
    return fmt::format("{:.1f} GiB", static_cast<double>(bytes) / (1ull << 30));
  if (bytes >= (1ull << 20))
    return fmt::format("{:.0f} MiB", static_cast<double>(bytes) / (1ull << 20));
  return fmt::format("{} KiB", bytes >> 10);
}

void check_free_space(const std::vector<std::filesystem::path>& paths) {
  for (const auto& path : paths) {
    struct statvfs st {};
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    if (::statvfs(path.c_str(), &st) != 0)
      continue;  // a missing path fails later, with its own error
    const std::uint64_t free = static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
    if (free < kRefuseFreeBytes) {
      throw UserError(
          "only " + human_size(free) + " free on the disk holding " + path.string() +
              ": a run needs at least " + human_size(kRefuseFreeBytes),
          "free some space (`fuselab cache gc --budget SIZE` trims the cache), or point "
          "FUSELAB_CACHE_DIR / FUSELAB_WORK_DIR at a bigger disk");
    }
    if (free < kWarnFreeBytes) {
      spdlog::warn(
          "only {} free on the disk holding {}: guests that write a lot may fill it "
          "(`fuselab cache gc` trims the cache)",
          human_size(free), path.string());
    }
  }
}

}  // namespace fuselab
