// What `fuselab plan` can tell before anything boots: for each kernel of the plan already in the
// cache, what it can do, and which cells will therefore end SKIP (and which only get a note).
// Kernels not prepared yet are listed as unknown: `fuselab prepare` fetches or builds them.
#pragma once

#include <filesystem>
#include <string>

#include "config/cell_spec.h"

namespace fuselab {

std::string format_capability_preview(const Plan& plan, const std::filesystem::path& kernels_dir);

}  // namespace fuselab
