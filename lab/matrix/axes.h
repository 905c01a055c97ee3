// The matrix axes a plan may vary: each names a key of the cell spec. New axes are one row in
// axes.cpp.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "config/cell_spec.h"

namespace fuselab {

struct AxisDef {
  std::string name;
  std::vector<std::string> path;                     // key path in a cell mapping
  std::function<std::string(const CellSpec&)> read;  // the cell's value, normalised
};

const std::vector<AxisDef>& axis_defs();
const AxisDef* find_axis(const std::string& name);
std::vector<std::string> axis_names();

}  // namespace fuselab
