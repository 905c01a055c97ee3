// Which accelerator can really run a guest here. /dev/kvm existing, or libvirt advertising a kvm
// domain type, proves nothing (a paravirtual KVM can abort QEMU at the first vCPU MSR write), so
// we boot the kernel under test briefly with KVM and watch for its first console line.
#pragma once

#include <filesystem>
#include <string>

#include "vm/backend.h"

namespace fuselab {

struct AccelChoice {
  Accelerator accel = Accelerator::Tcg;
  std::string reason;  // why this one; shown to the user when KVM was not chosen
};

// `requested`: "auto", "kvm" or "tcg". "kvm" that fails the probe is a UserError.
AccelChoice choose_accelerator(const std::string& requested, const std::filesystem::path& kernel);

}  // namespace fuselab
