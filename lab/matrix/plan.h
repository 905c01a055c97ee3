// A plan file expanded into cells: defaults, the cross product of `axes`, `include`/`exclude`
// filters, `repeat`, and `expect` rules, plus explicitly listed `cells`. Every error names file,
// line and key.
#pragma once

#include <filesystem>
#include <string>

#include "config/cell_spec.h"

namespace fuselab {

// At most this many cells per plan (matrix and listed cells, repeats included): checked before
// the matrix is expanded.
inline constexpr unsigned long long kMaxCells = 10000;

Plan load_plan(const std::filesystem::path& file);
// For tests and for plans built in memory; `source` names the text in messages.
Plan parse_plan(const std::string& yaml_text, const std::string& source);

// A cell id made from axis values: "base" when every axis has its default value, else the
// non-default "axis=value" pairs in axis-name order, joined by ','. Adding an axis whose
// default value a cell keeps does not change that cell's id.
std::string matrix_cell_id(const std::vector<std::pair<std::string, std::string>>& non_default);

}  // namespace fuselab
