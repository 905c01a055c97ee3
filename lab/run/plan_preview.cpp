#include "run/plan_preview.h"

#include <fmt/format.h>

#include <map>
#include <optional>

#include "image/kernel_cache.h"
#include "run/artifact_resolver.h"
#include "run/kernel_capabilities.h"

namespace fs = std::filesystem;

namespace fuselab {
namespace {

// The name the cache records for a kernel value ("debian:bookworm" is stored with its flavour).
std::string cache_value(const std::string& value) {
  try {
    KernelRef ref = parse_kernel_ref(value);
    if (ref.kind == KernelRef::Kind::Debian) return "debian:" + ref.suite + ":" + ref.flavour;
  } catch (const std::exception&) {
    // A value that does not parse is reported when the plan runs; here it is just not cached.
  }
  return value;
}

struct KernelInfo {
  std::string release;
  std::optional<KernelCapabilities> caps;
};

std::optional<KernelInfo> cached_kernel_info(const std::string& value,
                                             const std::vector<CachedKernel>& cached) {
  const CachedKernel* newest = nullptr;
  for (const auto& k : cached) {
    if (k.value == cache_value(value)) newest = &k;  // sorted by version: the last one is newest
  }
  if (!newest) return std::nullopt;
  KernelInfo info{newest->release, std::nullopt};
  try {
    info.caps = read_kernel_capabilities(
        find_kernel_config(newest->kernel, newest->release, newest->dir / "config"));
  } catch (const std::exception&) {
    // An unreadable configuration leaves the capabilities unknown; the agent checks in the guest.
  }
  return info;
}

std::string capability_list(const KernelCapabilities& caps, bool present) {
  std::string out;
  for (const auto& [name, has] : caps.has) {
    if (has == present) out += (out.empty() ? "" : " ") + name;
  }
  return out.empty() ? "-" : out;
}

}  // namespace

std::string format_capability_preview(const Plan& plan, const fs::path& kernels_dir) {
  auto cached = list_cached_kernels(kernels_dir);
  std::map<std::string, std::optional<KernelInfo>> kernels;
  for (const auto& c : plan.cells) {
    if (!kernels.contains(c.kernel)) kernels[c.kernel] = cached_kernel_info(c.kernel, cached);
  }
  std::string out = "\nkernels (capabilities from their configuration):\n";
  for (const auto& [value, info] : kernels) {
    if (!info)
      out += fmt::format("  {}: not prepared yet, capabilities unknown (fuselab prepare)\n", value);
    else if (!info->caps)
      out +=
          fmt::format("  {}: {}, no configuration: checked in the guest\n", value, info->release);
    else
      out += fmt::format("  {}: {}: has {}; lacks {}\n", value, info->release,
                         capability_list(*info->caps, true), capability_list(*info->caps, false));
  }
  std::vector<std::string> skips;
  std::map<std::string, unsigned> notes;  // one line per distinct note, with how many cells get it
  for (const auto& c : plan.cells) {
    const auto& info = kernels[c.kernel];
    if (!info || !info->caps) continue;
    auto unmet = unmet_requirements(c, *info->caps);
    if (auto reason = skip_reason(unmet); !reason.empty())
      skips.push_back(fmt::format("  {}: {}", c.id, reason));
    for (const auto& u : unmet) {
      if (!u.requirement.hard) ++notes[u.reason];
    }
  }
  out += fmt::format("will SKIP before booting: {} cell(s)\n", skips.size());
  for (const auto& s : skips) out += s + "\n";
  for (const auto& [note, count] : notes) out += fmt::format("note ({} cells): {}\n", count, note);
  return out;
}

}  // namespace fuselab
