// libvirt domain XML for a direct-kernel-boot guest with a serial console and the agent channel.
#pragma once

#include <string>

#include "protocol/channel.h"  // the agent port's name
#include "vm/backend.h"

namespace fuselab {

// `keep_disk_labels`: the caller gave the disk to QEMU's user itself, so libvirt's DAC driver must
// not relabel it nor its backing chain (it would chown a shared base image and never restore it).
std::string domain_xml(const GuestSpec& spec, bool keep_disk_labels = false);

}  // namespace fuselab
