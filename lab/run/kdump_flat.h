// QEMU writes its kdump-compressed dumps in makedumpfile's "flattened" layout (QEMU before 8.2
// always does; libvirt hands it a pipe): a stream of (offset, size, bytes) records, big-endian,
// meant for `makedumpfile -R`. crash and drgn want the file those records describe, so the lab
// lays it out itself, without a shell pipeline.
#pragma once

#include <cstdint>
#include <filesystem>

namespace fuselab {

// True if `file` starts with the flattened layout's signature ("makedumpfile").
bool is_flattened_kdump(const std::filesystem::path& file);

// Writes the file the records of `flat` describe to `out` (created or truncated). Throws
// InfraError naming the file and the byte offset of a malformed record; returns the size of
// `out`.
std::uint64_t unflatten_kdump(const std::filesystem::path& flat, const std::filesystem::path& out);

}  // namespace fuselab
