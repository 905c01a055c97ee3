// A bounded piece of a cell's console.log that explains its verdict, for JUnit failure bodies
// and KCIDB log excerpts. Console logs may be 64 MiB of hostile bytes; this reads only what it
// returns (plus a scan for line numbers) and returns cleaned text (see clean_text).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "report/cell_result.h"

namespace fuselab {

inline constexpr std::size_t kExcerptBytes = 8UL * 1024;
inline constexpr std::size_t kExcerptLines = 60;

// The decisive kernel report's own excerpt when the record carries one, else its console lines
// from "first_line" on, else the console's last lines. Empty when there is no console.log.
std::string console_excerpt(const CellResult& c, const std::filesystem::path& cell_dir,
                            std::size_t max_bytes = kExcerptBytes);

}  // namespace fuselab
