// libvirt domain XML for a direct-kernel-boot guest with a serial console and the agent channel.
#pragma once

#include <string>

#include "vm/backend.h"

namespace fuselab {

// Name of the virtio-serial port the agent opens (guest-agent/PROTOCOL.md).
inline constexpr const char* kAgentChannelName = "org.fuselab.agent.0";

// `keep_disk_labels`: the caller gave the disk to QEMU's user itself, so libvirt's DAC driver must
// not relabel it nor its backing chain (it would chown a shared base image and never restore it).
std::string domain_xml(const GuestSpec& spec, bool keep_disk_labels = false);

}  // namespace fuselab
