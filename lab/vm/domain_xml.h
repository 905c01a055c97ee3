// libvirt domain XML for a direct-kernel-boot guest with a serial console and the agent channel.
#pragma once

#include <string>

#include "vm/backend.h"

namespace fuselab {

// Name of the virtio-serial port the agent opens (guest-agent/PROTOCOL.md).
inline constexpr const char* kAgentChannelName = "org.fuselab.agent.0";

std::string domain_xml(const GuestSpec& spec);

}  // namespace fuselab
