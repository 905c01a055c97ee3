#include "vm/libvirt_handles.h"

#include <libvirt/virterror.h>

namespace fuselab {

std::string libvirt_error() {
  const char* msg = virGetLastErrorMessage();
  return msg ? msg : "unknown libvirt error";
}

}  // namespace fuselab
