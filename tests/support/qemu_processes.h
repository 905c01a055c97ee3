// Counting QEMU processes from outside, as a user would check that a guest is up or gone.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace fuselab::testing {

// QEMU processes whose command line mentions `needle` (QEMU's names the guest).
inline int qemu_processes_mentioning(const std::string& needle) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos || std::stoi(name) == getpid())
      continue;
    std::ifstream in(e.path() / "cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline.find("qemu") != std::string::npos && cmdline.find(needle) != std::string::npos) ++n;
  }
  return n;
}

}  // namespace fuselab::testing
