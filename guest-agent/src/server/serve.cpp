// The server process's main: mark it an IO flusher if asked, build the server, mount, tell the
// parent, serve.
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>

#include "server/fuse_server.h"
#include "server/fuse_session.h"
#include "util/error.h"

namespace fuselab::agent {
namespace {

// PR_SET_IO_FLUSHER sets PF_MEMALLOC_NOIO|PF_LOCAL_THROTTLE on the calling thread: its
// allocations lose __GFP_IO|__GFP_FS, so reclaim never waits on writeback for it. Task flags are
// per thread and copied to threads created later, so it is set here, before libfuse starts its
// workers; fl_init checks it again from a serving thread.
void set_io_flusher(ServerStats& stats) {
  if (prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0) != 0) {
    int err = errno;
    if (err == EPERM)
      throw AgentError("mount",
                       "io_flusher: PR_SET_IO_FLUSHER denied: the server needs CAP_SYS_RESOURCE");
    if (err == EINVAL)
      throw AgentError("mount", "io_flusher: PR_SET_IO_FLUSHER not supported (kernel before 5.6)");
    throw AgentError("mount", errno_text("io_flusher: PR_SET_IO_FLUSHER", err));
  }
  stats.io_flusher = prctl(PR_GET_IO_FLUSHER, 0, 0, 0, 0);
  if (stats.io_flusher != 1)
    throw AgentError("mount", "io_flusher: set, but PR_GET_IO_FLUSHER reads " +
                                  std::to_string(stats.io_flusher.load()));
}

}  // namespace

int serve(const ServerSpec& spec, const std::string& mountpoint, ServerStats& stats, int ready_fd) {
  try {
    if (spec.io_flusher)
      set_io_flusher(stats);
    else
      stats.io_flusher = prctl(PR_GET_IO_FLUSHER, 0, 0, 0, 0);  // inherited from the agent?
    FuseServer server(spec, make_backend(spec), stats);
    fuse_lowlevel_ops ops = fuse_operations();
    FuseSession session(ops, &server, spec.backend);
    session.mount(mountpoint);
    char ready = 'R';
    if (write(ready_fd, &ready, 1) != 1) return 1;
    close(ready_fd);
    int res = session.loop(spec.threads);
    if (res != 0) {
      stats.error.set("fuse session loop ended with error " + std::to_string(res));
      return 1;
    }
    return 0;
  } catch (const std::exception& e) {
    stats.error.set(e.what());
    return 1;
  }
}

}  // namespace fuselab::agent
