// libvirt's default event loop, run on a thread of ours. The embedded QEMU driver
// (qemu:///embed) has no daemon to run it, and streams and domain events need it in every mode.
#pragma once

#include <atomic>
#include <thread>

namespace fuselab {

// libvirt reads its log settings once, at its first use anywhere in the process (libguestfs uses
// it too), and the embedded driver logs info and warnings to stderr by default: call this first
// thing in main() to keep libvirt's own log to errors unless LIBVIRT_LOG_OUTPUTS says otherwise.
void quiet_libvirt_log();

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
