// What a kernel can do, read from its build configuration before any guest boots, and what a
// cell needs of it. A cell whose kernel lacks a hard requirement ends SKIP without booting, and
// `fuselab plan` shows that up front; soft requirements only add a note (the agent reports what
// it could not apply). Without a configuration (a path: kernel given without one) nothing is
// known here and the agent's own checks in the guest decide.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/cell_spec.h"

namespace fuselab {

struct KernelCapabilities {
  std::string version;  // "6.1", from the configuration's header
  std::string source;   // the configuration file read
  // name -> present; names: memcg_v1, lru_gen, psi, io_flusher, bdi_strict_limit, fuse_tracepoints
  std::map<std::string, bool> has;
  std::map<std::string, std::string> why;  // name -> the option or version that decided it
};

// Parses a kernel .config text (`CONFIG_X=y`, `# CONFIG_X is not set`) and its
// "# Linux/x86 6.1.176 Kernel Configuration" header. Throws InfraError when the header is missing.
KernelCapabilities capabilities_from_config(const std::string& config_text,
                                            const std::string& source);

// The configuration file of a prepared kernel: `config` if given, else config-<release> or
// .config beside the kernel image. Empty when there is none.
std::filesystem::path find_kernel_config(const std::filesystem::path& kernel_image,
                                         const std::string& release,
                                         const std::filesystem::path& config = {});

std::optional<KernelCapabilities> read_kernel_capabilities(
    const std::filesystem::path& config_file);

struct Requirement {
  std::string capability;  // a KernelCapabilities name
  std::string because;     // the cell setting that needs it, e.g. "cgroup: v1"
  bool hard = true;        // false: the cell still runs, with a note
};

std::vector<Requirement> cell_requirements(const CellSpec& cell);

struct Unmet {
  Requirement requirement;
  std::string reason;  // "kernel 6.12 has no cgroup v1 memory controller (# CONFIG_MEMCG_V1 is not
                       // set); needed by cgroup: v1"
};

std::vector<Unmet> unmet_requirements(const CellSpec& cell, const KernelCapabilities& caps);

// The SKIP reason for a cell: its first unmet hard requirement, or empty when it can run.
std::string skip_reason(const std::vector<Unmet>& unmet);

}  // namespace fuselab
