// An ELF memory dump holds every page of the guest, most of them zero in a guest that has run for
// a minute: made sparse, a 1 GiB guest's dump takes about 110 MiB of disk instead of 1 GiB, and
// reads the same (holes read as zeros) in crash, drgn and `cp --sparse`.
#pragma once

#include <cstdint>
#include <filesystem>

namespace fuselab {

// The bytes `file` takes on disk (its allocated blocks), which for a sparse file is less than
// its size; 0 if it cannot be read.
std::uint64_t disk_usage(const std::filesystem::path& file);

// Deallocates every aligned 4 KiB block of `file` that is all zero (fallocate PUNCH_HOLE, size
// kept), reading it once. Returns the bytes freed; 0, leaving the file as it was, on a
// filesystem without hole punching. Throws InfraError if the file cannot be read.
std::uint64_t punch_zero_blocks(const std::filesystem::path& file);

}  // namespace fuselab
