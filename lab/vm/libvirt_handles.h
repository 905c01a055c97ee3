// Move-only owners of libvirt's C handles, and the libvirt error text. Freeing a handle only drops
// our reference: destroying a running guest is always an explicit call (see Guest::destroy).
#pragma once

#include <libvirt/libvirt.h>

#include <memory>
#include <string>

namespace fuselab {

struct VirConnectCloser {
  void operator()(virConnectPtr c) const { virConnectClose(c); }
};
struct VirDomainFreer {
  void operator()(virDomainPtr d) const { virDomainFree(d); }
};
struct VirStreamFreer {
  void operator()(virStreamPtr s) const {
    virStreamAbort(s);  // fails harmlessly on a finished stream
    virStreamFree(s);
  }
};

using VirConnect = std::unique_ptr<virConnect, VirConnectCloser>;
using VirDomain = std::unique_ptr<virDomain, VirDomainFreer>;
using VirStream = std::unique_ptr<virStream, VirStreamFreer>;

// libvirt's last error message on this thread, or a placeholder.
std::string libvirt_error();

}  // namespace fuselab
