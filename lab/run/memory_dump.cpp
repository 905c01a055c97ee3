#include "run/memory_dump.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>

#include "common/elapsed.h"
#include "common/error.h"
#include "run/disk_space.h"
#include "run/kdump_flat.h"
#include "run/sparse_file.h"

namespace fs = std::filesystem;

namespace fuselab {

std::optional<std::string> DumpBudget::reserve(std::uint64_t worst_case, std::uint64_t free_bytes) {
  std::lock_guard lock(mu_);
  if (used_ + reserved_ + worst_case > limit_) {
    return "dump budget exceeded: " + human_size(used_ + reserved_) + " of " + human_size(limit_) +
           " taken, this guest's dump may need " + human_size(worst_case) +
           " (raise it with --dump-budget)";
  }
  if (free_bytes < worst_case + kDumpDiskReserve) {
    return "disk short: " + human_size(free_bytes) + " free, a dump of this guest may need " +
           human_size(worst_case) + " and " + human_size(kDumpDiskReserve) + " stays free";
  }
  reserved_ += worst_case;
  return std::nullopt;
}

void DumpBudget::settle(std::uint64_t worst_case, std::uint64_t used) {
  std::lock_guard lock(mu_);
  reserved_ -= std::min(reserved_, worst_case);
  used_ += used;
}

std::uint64_t DumpBudget::used() const {
  std::lock_guard lock(mu_);
  return used_;
}

std::chrono::seconds dump_deadline(unsigned memory_mib) {
  // Measured here: about 10 s for 1 GiB under TCG with other jobs running; six times that.
  return std::chrono::seconds(60 + 60 * ((memory_mib + 1023) / 1024));
}

bool is_kdump_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  char magic[8] = {};
  return in.read(magic, sizeof magic) && std::string_view(magic, 8) == "KDUMP   ";
}

bool is_elf_core(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  unsigned char ident[18] = {};
  if (!in.read(reinterpret_cast<char*>(ident), sizeof ident)) return false;
  // "\x7fELF", then e_type (at 16, little-endian on x86) ET_CORE = 4.
  return std::memcmp(ident,
                     "\x7f"
                     "ELF",
                     4) == 0 &&
         ident[16] == 4 && ident[17] == 0;
}

std::optional<DumpFormat> parse_dump_format(std::string_view name) {
  if (name == "elf") return DumpFormat::Elf;
  if (name == "kdump") return DumpFormat::Kdump;
  return std::nullopt;
}

nlohmann::json take_memory_dump(Guest& guest, unsigned memory_mib, DumpFormat format,
                                const fs::path& file, DumpBudget& budget,
                                const std::atomic<bool>* stop) {
  nlohmann::json record = {{"file", file.filename().string()}};
  // Either file holds at most every page of the guest once plus headers and bitmaps (under 1% of
  // that). QEMU's flattened kdump layout is laid out into a second file (the first removed
  // after), hence twice that; an ELF dump is made sparse in place.
  const std::uint64_t memory = static_cast<std::uint64_t>(memory_mib) << 20;
  const std::uint64_t worst_case =
      format == DumpFormat::Elf ? memory * 101 / 100 : memory * 101 / 100 * 2;
  std::error_code ec;
  auto space = fs::space(file.parent_path(), ec);
  if (auto why = budget.reserve(worst_case, ec ? 0 : space.available)) {
    spdlog::warn("no memory dump: {}", *why);
    record["status"] = "skipped";
    record["note"] = *why;
    return record;
  }
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = dump_deadline(memory_mib);
  DumpOutcome outcome = guest.dump_memory(file, format, deadline, stop);
  const double seconds = seconds_since(start);
  record["seconds"] = std::round(seconds * 10) / 10;
  if (outcome.ok && is_flattened_kdump(file)) {
    // QEMU's flattened layout opens in no tool: lay it out as the kdump file it describes.
    const auto t0 = std::chrono::steady_clock::now();
    fs::path flat = file.string() + ".flat";
    fs::rename(file, flat);
    try {
      unflatten_kdump(flat, file);
      record["unflatten_s"] = std::round(seconds_since(t0) * 10) / 10;
    } catch (const InfraError& e) {
      outcome.ok = false;
      outcome.error = e.what();
    }
    fs::remove(flat, ec);
  }
  if (outcome.ok && !(format == DumpFormat::Elf ? is_elf_core(file) : is_kdump_file(file))) {
    outcome.ok = false;
    outcome.error = format == DumpFormat::Elf
                        ? "the hypervisor wrote a file that is not an ELF core"
                        : "the hypervisor wrote a file without the kdump signature";
  }
  if (outcome.ok && format == DumpFormat::Elf) {
    const auto t0 = std::chrono::steady_clock::now();
    try {
      punch_zero_blocks(file);
      record["sparse_s"] = std::round(seconds_since(t0) * 10) / 10;
    } catch (const InfraError& e) {
      spdlog::warn("memory dump left whole: {}", e.what());  // larger, still a dump
    }
  }
  std::uint64_t bytes = fs::is_regular_file(file, ec) ? fs::file_size(file, ec) : 0;
  if (ec) bytes = 0;
  if (!outcome.ok) {
    fs::remove(file, ec);  // a partial dump opens in no tool and only takes space
    budget.settle(worst_case, 0);
    record["status"] = outcome.timed_out ? "timeout" : "failed";
    record["note"] = outcome.error;
    spdlog::warn("memory dump failed after {:.1f} s: {}", seconds, outcome.error);
    return record;
  }
  const std::uint64_t on_disk = std::min(bytes, disk_usage(file));
  budget.settle(worst_case, on_disk);
  record["status"] = "ok";
  record["format"] = outcome.format;
  record["bytes"] = bytes;
  record["disk_bytes"] = on_disk;
  record["deadline_s"] = deadline.count();
  spdlog::info("memory dump {} ({}, {} on disk, {}) in {:.1f} s", file.string(), human_size(bytes),
               human_size(on_disk), outcome.format, seconds);
  return record;
}

}  // namespace fuselab
