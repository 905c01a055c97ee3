// libvirt's default event loop, run on a thread of ours. The embedded QEMU driver
// (qemu:///embed) has no daemon to run it, and streams and domain events need it in every mode.
#pragma once

#include <atomic>
#include <thread>

namespace fuselab {

class LibvirtEventLoop {
 public:
  // Registers the default implementation (once per process) and starts the thread.
  LibvirtEventLoop();
  ~LibvirtEventLoop();
  LibvirtEventLoop(const LibvirtEventLoop&) = delete;
  LibvirtEventLoop& operator=(const LibvirtEventLoop&) = delete;

 private:
  std::atomic<bool> running_{true};
  std::thread thread_;
};

}  // namespace fuselab
