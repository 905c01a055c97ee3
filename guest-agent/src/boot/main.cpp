// fuselab-agent: the initramfs /init (stage 1), the guest's scenario runner (stage 2) and the same
// scenario on the host (`local`). See PROTOCOL.md.
#include <unistd.h>

#include <cstring>
#include <iostream>

#include "boot/stages.h"
#include "channel/messages.h"

int main(int argc, char** argv) {
  using namespace fuselab::agent;
  if (argc >= 1 && std::strcmp(argv[0], "/init") == 0) run_init_stage();
  std::string command = argc >= 2 ? argv[1] : "";
  if (command == "guest") run_guest_stage();
  if (command == "local") return run_local(argc, argv);
  if (command == "--version") {
    std::cout << "fuselab-agent " << agent_version() << "\n";
    return 0;
  }
  std::cerr << "usage: fuselab-agent guest | local --mountpoint DIR --spec JSON | --version\n"
               "  (started as /init it runs the initramfs stage)\n";
  return 2;
}
