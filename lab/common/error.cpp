#include "common/error.h"

#include <cstring>

namespace fuselab {

std::string errno_text(int err) { return std::strerror(err); }

}  // namespace fuselab
