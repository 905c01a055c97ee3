// --dump-on-hang: a memory-only dump of a hung guest (`vmcore` in the cell directory, an ELF
// core made sparse, or with --dump-format kdump kdump-compressed), taken before the guest is
// destroyed. Dumps are as large as the guest's memory at
// worst and a run may hang in many cells, so every dump is counted against a per-run budget and
// the disk's free space; a dump that does not fit is skipped with a note, never half-written.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "vm/backend.h"

namespace fuselab {

inline constexpr std::uint64_t kDefaultDumpBudget = 4ull << 30;
// Left free on the results' filesystem after a dump's worst case: other cells' overlays and
// logs still grow there.
inline constexpr std::uint64_t kDumpDiskReserve = 1ull << 30;

// The run's dump budget, shared by its cells (cells run in parallel: every call locks). A dump
// reserves its worst case (the guest's memory) before it starts and settles on its real size.
class DumpBudget {
 public:
  explicit DumpBudget(std::uint64_t limit) : limit_(limit) {}
  // Reserves `worst_case` bytes if the budget and `free_bytes` (the disk's free space now) allow
  // it; else returns why not (nothing reserved).
  std::optional<std::string> reserve(std::uint64_t worst_case, std::uint64_t free_bytes);
  // Ends a reservation of `worst_case`: `used` bytes (0 for a failed dump) stay counted.
  void settle(std::uint64_t worst_case, std::uint64_t used);
  std::uint64_t used() const;
  std::uint64_t limit() const { return limit_; }

 private:
  mutable std::mutex mu_;
  std::uint64_t limit_;
  std::uint64_t used_ = 0, reserved_ = 0;
};

// How long a dump of a guest of `memory_mib` may take: QEMU compresses every non-zero page on
// one host thread, and the host may be busy with other cells.
std::chrono::seconds dump_deadline(unsigned memory_mib);

// True if `file` starts with the kdump-compressed signature ("KDUMP   ").
bool is_kdump_file(const std::filesystem::path& file);
// True if `file` is a little-endian ELF core file (ET_CORE).
bool is_elf_core(const std::filesystem::path& file);

// --dump-format's values: "elf", "kdump"; nullopt for anything else.
std::optional<DumpFormat> parse_dump_format(std::string_view name);

// Takes the dump into `file` in `format` through `guest` (budget and disk checked first),
// removing any partial file; an ELF dump's zero blocks are then punched out. The result.json
// record: status ("ok", "skipped", "failed", "timeout"), file, bytes (its size), disk_bytes (what
// it takes on disk, which the budget counts), seconds, format, note.
nlohmann::json take_memory_dump(Guest& guest, unsigned memory_mib, DumpFormat format,
                                const std::filesystem::path& file, DumpBudget& budget,
                                const std::atomic<bool>* stop);

}  // namespace fuselab
