// Backends by the scheme of their connect URI, as syzkaller registers VM types by name: the plan
// runner asks for the backend of a URI and never names one. The scheme is what comes before
// "://", without a "+transport" (qemu+ssh://host/system: "qemu"). Libvirt takes every scheme not
// registered otherwise and the empty URI (its embedded QEMU driver): it knows its own drivers
// (qemu, test, lxc, ...) and says what is wrong with the rest. Tests register "fake".
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "vm/backend.h"

namespace fuselab {

// Makes a connected backend for `uri`; throws (UserError, InfraError) when it cannot connect.
using BackendFactory = std::function<std::unique_ptr<Backend>(const std::string& uri)>;

// "qemu" for qemu:///system and qemu+ssh://h/system; empty for "" and for text without "://".
std::string backend_scheme(const std::string& uri);

// Registers the factory of `scheme` (replacing one there); a null factory removes it.
void register_backend(const std::string& scheme, BackendFactory factory);

// The backend for `uri`: the factory registered for its scheme, else libvirt's.
std::unique_ptr<Backend> make_backend(const std::string& uri);

}  // namespace fuselab
