// `fuselab plan`: a plan's cells with what each varies and the verdict it should get.
#pragma once

#include <string>

#include "config/cell_spec.h"

namespace fuselab {

std::string format_plan(const Plan& plan);

}  // namespace fuselab
