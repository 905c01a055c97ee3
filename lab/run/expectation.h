// Whether a cell's result meets what its plan expected. `expect` is one verdict name or several
// joined by '|' (an expect rule's `verdict: [PASS, STALL]`); a signature, when given, must be
// part of the result's signature.
#pragma once

#include <string>
#include <string_view>

#include "config/cell_spec.h"
#include "verdict/verdict.h"

namespace fuselab {

bool verdict_expected(std::string_view expect, std::string_view verdict_name);

// SKIP says the kernel cannot run the cell: reported, but not a broken expectation.
bool expectation_met(const CellSpec& cell, Verdict verdict, const std::string& signature);

}  // namespace fuselab
