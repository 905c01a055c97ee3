// The server process's main: build the server, mount, tell the parent, serve.
#include <unistd.h>

#include "fuse_server.h"
#include "fuse_session.h"

namespace fuselab::agent {

int serve(const ServerSpec& spec, const std::string& mountpoint, ServerStats& stats, int ready_fd) {
  try {
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
