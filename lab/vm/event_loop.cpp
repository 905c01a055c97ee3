#include "vm/event_loop.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <cstdlib>
#include <mutex>

#include "common/error.h"
#include "vm/libvirt_handles.h"

namespace fuselab {
namespace {

std::once_flag registered;

}  // namespace

LibvirtEventLoop::LibvirtEventLoop() {
  std::call_once(registered, [] {
    // We report libvirt's errors ourselves (libvirt_error()); its default handler would print
    // each one a second time. Its log level is set in quiet_libvirt_log().
    virSetErrorFunc(nullptr, [](void*, virErrorPtr) {});
    if (virInitialize() < 0 || virEventRegisterDefaultImpl() < 0) {
      throw InfraError("libvirt: cannot initialise the event loop: " + libvirt_error());
    }
  });
  thread_ = std::thread([this] {
    while (running_) virEventRunDefaultImpl();
  });
}

LibvirtEventLoop::~LibvirtEventLoop() {
  running_ = false;
  // A zero-delay timer wakes the loop so that the thread sees running_ == false.
  int timer = virEventAddTimeout(
      0, [](int id, void*) { virEventRemoveTimeout(id); }, nullptr, nullptr);
  if (timer < 0) {
    thread_.detach();  // cannot wake it: leave it to process exit rather than hang here
    return;
  }
  thread_.join();
}

}  // namespace fuselab
