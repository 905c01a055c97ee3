// Move-only owner of a file descriptor: the host controller's own, header-only, so the static
// agent shares it without linking anything of lab/.
#pragma once

#include "common/unique_fd.h"

namespace fuselab::agent {

using fuselab::UniqueFd;

}  // namespace fuselab::agent
