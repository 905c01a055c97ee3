#include "common/stop_request.h"

namespace fuselab {
namespace {

// Constant-initialized: no static-initialization guard runs in the signal handler.
std::atomic<bool> g_stop_request{false};
static_assert(std::atomic<bool>::is_always_lock_free);

}  // namespace

std::atomic<bool>& stop_request() { return g_stop_request; }

}  // namespace fuselab
