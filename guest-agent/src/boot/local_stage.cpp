// `fuselab-agent local --mountpoint DIR --spec JSON`: the guest's scenario on this host, with the
// protocol's lines on stdout (hello, progress..., result or error, bye). For host tests.
#include <unistd.h>

#include <cstring>
#include <iostream>

#include "boot/stages.h"
#include "channel/channel.h"
#include "channel/messages.h"
#include "scenario/scenario.h"
#include "util/children.h"
#include "util/error.h"

namespace fuselab::agent {

int run_local(int argc, char** argv) {
  std::string mountpoint, spec_text;
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--mountpoint" && i + 1 < argc)
      mountpoint = argv[++i];
    else if (arg == "--spec" && i + 1 < argc)
      spec_text = argv[++i];
    else {
      std::cerr << "fuselab-agent local: unexpected argument " << arg << "\n";
      mountpoint.clear();
      break;
    }
  }
  if (mountpoint.empty() || spec_text.empty()) {
    std::cerr << "usage: fuselab-agent local --mountpoint DIR --spec JSON\n";
    return 2;
  }
  int out = dup(STDOUT_FILENO);
  if (out < 0) {
    std::cerr << "fuselab-agent local: dup stdout: " << std::strerror(errno) << "\n";
    return 2;
  }
  Channel channel{UniqueFd(out), UniqueFd(), /*nonblocking=*/false};
  int code = 0;
  try {
    channel.send(hello_message());
    Spec spec;
    try {
      spec = parse_spec_text(spec_text);
    } catch (const AgentError& e) {
      channel.send(error_message(e.stage(), e.what()));
      channel.send(bye_message());
      return 2;
    }
    ChildReaper reaper;
    code = run_scenario(spec, mountpoint, channel, reaper) ? 0 : 1;
    channel.send(bye_message());
  } catch (const std::exception& e) {
    std::cerr << "fuselab-agent: " << e.what() << "\n";
    return 1;
  }
  return code;
}

}  // namespace fuselab::agent
