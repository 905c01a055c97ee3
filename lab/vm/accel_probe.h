// Which accelerator can really run a guest here. /dev/kvm existing, or libvirt advertising a kvm
// domain type, proves nothing: on machines of the kind CI uses, QEMU under KVM either aborts at
// the first vCPU MSR write ("failed to set MSR 0x10a"), or prints the kernel's real-mode lines
// and then nothing at all, or boots. So we boot the kernel under test briefly with KVM and watch
// for its banner, and remember the answer for this boot of the host and this QEMU binary.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "vm/backend.h"

namespace fuselab {

struct AccelChoice {
  Accelerator accel = Accelerator::Tcg;
  std::string reason;       // why this one; shown to the user when KVM was not chosen
  bool from_cache = false;  // decided by an earlier probe of this host boot and QEMU binary
  long long probed_at = 0;  // unix seconds of the probe that decided it (0: not probed)
};

struct AccelProbeOptions {
  std::filesystem::path cache_file;  // empty: no cache
  bool refresh = false;              // probe again even when the cache has an answer
  // A KVM guest prints its banner well within a second; a silent KVM prints nothing ever.
  std::chrono::milliseconds deadline{std::chrono::seconds(6)};
};

// `requested`: "auto", "kvm" or "tcg". "kvm" that fails the probe is a UserError.
AccelChoice choose_accelerator(const std::string& requested, const std::filesystem::path& kernel,
                               const AccelProbeOptions& options);

// The cached decision for this host boot and QEMU binary, without probing; nullopt if none.
std::optional<AccelChoice> cached_accelerator(const std::filesystem::path& cache_file);

// The default cache file, under the cache directory.
std::filesystem::path default_accel_cache_file();

// How QEMU's probe run ended, as the probe classifies it (exposed for unit tests).
struct ProbeRun {
  bool banner = false;     // "Linux version" on the console
  bool timed_out = false;  // killed at the deadline
  int exit_code = -1;
  int signal = 0;
  std::string console;  // stdout
  std::string errors;   // stderr
};
AccelChoice classify_probe(const ProbeRun& run, std::chrono::milliseconds deadline);

}  // namespace fuselab
