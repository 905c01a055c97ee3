#include "run/kernel_capabilities.h"

#include "common/error.h"
#include "common/paths.h"
#include "image/kernel_config.h"

namespace fs = std::filesystem;

namespace fuselab {
namespace {

// What each capability is called in messages.
const std::map<std::string, std::string>& descriptions() {
  static const std::map<std::string, std::string> d = {
      {"memcg_v1", "no cgroup v1 memory controller"},   {"lru_gen", "no multi-gen LRU (lru_gen)"},
      {"psi", "no pressure stall information (PSI)"},   {"io_flusher", "no PR_SET_IO_FLUSHER"},
      {"bdi_strict_limit", "no bdi strict_limit knob"}, {"fuse_tracepoints", "no fuse tracepoints"},
  };
  return d;
}

}  // namespace

KernelCapabilities capabilities_from_config(const std::string& text, const std::string& source) {
  KernelCapabilities caps;
  caps.source = source;
  const Kconfig config = read_kconfig(text);
  const KconfigValues& options = config.values;  // "n" when "is not set"
  if (!config.version)
    throw InfraError(source +
                     " is not a kernel configuration (no 'Linux/... Kernel Configuration' header)");
  const KconfigVersion version = *config.version;
  caps.version = std::to_string(version.major) + "." + std::to_string(version.minor);

  auto set = [&](const std::string& name) {
    return options.contains(name) && options.at(name) != "n";
  };
  auto decide = [&](const std::string& cap, bool present, const std::string& why) {
    caps.has[cap] = present;
    caps.why[cap] = why;
  };
  auto option_text = [&](const std::string& name) {
    return options.contains(name) && options.at(name) != "n" ? name + "=" + options.at(name)
                                                             : name + " is not set";
  };

  // The v1 memory controller became optional in 6.11 (CONFIG_MEMCG_V1); before, MEMCG had it.
  if (!set("CONFIG_MEMCG"))
    decide("memcg_v1", false, option_text("CONFIG_MEMCG"));
  else if (options.contains("CONFIG_MEMCG_V1"))
    decide("memcg_v1", set("CONFIG_MEMCG_V1"), option_text("CONFIG_MEMCG_V1"));
  else
    decide("memcg_v1", !version.at_least(6, 11), "CONFIG_MEMCG=y, kernel " + caps.version);
  decide("lru_gen", set("CONFIG_LRU_GEN"), option_text("CONFIG_LRU_GEN"));
  decide("psi", set("CONFIG_PSI"), option_text("CONFIG_PSI"));
  decide("io_flusher", version.at_least(5, 6),
         "PR_SET_IO_FLUSHER is in 5.6 and later, kernel " + caps.version);
  decide("bdi_strict_limit", version.at_least(6, 2),
         "/sys/class/bdi/*/strict_limit is in 6.2 and later, kernel " + caps.version);
  // Per the Debian configs checked in shared/BACKGROUND.md: 6.1 has none, 6.12 has them.
  decide("fuse_tracepoints",
         set("CONFIG_TRACEPOINTS") && set("CONFIG_FUSE_FS") && version.at_least(6, 12),
         option_text("CONFIG_TRACEPOINTS") + ", kernel " + caps.version);
  return caps;
}

fs::path find_kernel_config(const fs::path& kernel_image, const std::string& release,
                            const fs::path& config) {
  if (!config.empty() && fs::is_regular_file(config)) return config;
  const fs::path dir = kernel_image.parent_path();
  for (const fs::path& p : {dir / ("config-" + release), dir / ".config", dir / "config"}) {
    if (!release.empty() || p.filename() != "config-") {
      if (fs::is_regular_file(p)) return p;
    }
  }
  return {};
}

std::optional<KernelCapabilities> read_kernel_capabilities(const fs::path& config_file) {
  if (config_file.empty()) return std::nullopt;
  return capabilities_from_config(read_file(config_file), config_file.string());
}

std::vector<Requirement> cell_requirements(const CellSpec& cell) {
  std::vector<Requirement> needs;
  if (cell.cgroup.version == "v1") needs.push_back({"memcg_v1", "cgroup: v1", true});
  if (cell.cgroup.mglru != "default")
    needs.push_back({"lru_gen", "mglru: " + cell.cgroup.mglru, true});
  if (cell.server.io_flusher) needs.push_back({"io_flusher", "io_flusher: true", true});
  // Without the knob the bdi keeps the kernel's own setting (FUSE: strict); the agent reports it.
  if (cell.server.strict_limit) {
    needs.push_back({"bdi_strict_limit",
                     std::string("strict_limit: ") + (*cell.server.strict_limit ? "true" : "false"),
                     false});
  }
  return needs;
}

std::vector<Unmet> unmet_requirements(const CellSpec& cell, const KernelCapabilities& caps) {
  std::vector<Unmet> unmet;
  for (const auto& need : cell_requirements(cell)) {
    auto it = caps.has.find(need.capability);
    if (it == caps.has.end() || it->second) continue;
    unmet.push_back({need, "kernel " + caps.version + " has " + descriptions().at(need.capability) +
                               " (" + caps.why.at(need.capability) + "); needed by " +
                               need.because});
  }
  return unmet;
}

std::string skip_reason(const std::vector<Unmet>& unmet) {
  for (const auto& u : unmet) {
    if (u.requirement.hard) return u.reason;
  }
  return {};
}

}  // namespace fuselab
