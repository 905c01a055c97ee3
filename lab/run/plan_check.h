// The checks `fuselab plan` and `fuselab run` share: everything about a plan that can be known
// without network, downloads or a guest. `plan` rejects exactly what `run` rejects at this
// stage, and both name the file, line and key of the value that cannot work.
#pragma once

#include "config/cell_spec.h"
#include "run/artifact_resolver.h"

namespace fuselab {

// Each distinct kernel and image value of the plan: syntax, local files (path:, build: inputs),
// image recipes. A failure is a ConfigError at the place the value was written.
void check_plan_values(const Plan& plan, const ArtifactResolver& resolver);

}  // namespace fuselab
