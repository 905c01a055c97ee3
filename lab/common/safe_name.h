// Names that become file names: cell ids (results/<run>/<cell id>/), axis names and labels (which
// make up matrix cell ids), image names (images/guest/<name>.recipe). One check for all of them,
// used where a plan is loaded and again where ids are read back from disk (merge, resume), so a
// hostile plan or run.json cannot write outside its directory.
#pragma once

#include <cstddef>
#include <string_view>

namespace fuselab {

// Longest cell id: far below NAME_MAX (255), with room for the ".rN" of `repeat`.
inline constexpr std::size_t kMaxCellIdLength = 200;

// 1-max_length characters of [a-z0-9_.-] (and, when `matrix` is set, the ',' and '=' of matrix
// ids), starting with a letter or digit: never empty, ".", "..", absolute or holding a '/'.
bool is_safe_name(std::string_view name, std::size_t max_length, bool matrix = false);

// A cell id as a directory name under a run directory.
inline bool is_safe_cell_id(std::string_view id) {
  return is_safe_name(id, kMaxCellIdLength, true);
}

}  // namespace fuselab
