#include "image/debian_kernel.h"

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <sstream>

#include "common/elapsed.h"
#include "common/error.h"
#include "common/paths.h"
#include "common/stale_files.h"
#include "common/subprocess.h"
#include "image/apt_sources.h"
#include "image/file_lock.h"
#include "image/kernel_cache.h"
#include "image/kernel_meta.h"
#include "image/private_apt.h"

namespace fs = std::filesystem;

namespace fuselab {
namespace {

// Debian publishes kernel updates a few times a month; re-resolving more often only costs time.
constexpr std::chrono::hours kAptListsMaxAge{6};

bool version_newer(const std::string& a, const std::string& b) {
  CommandOptions options;
  options.timeout = std::chrono::seconds(10);
  return run_command({"dpkg", "--compare-versions", a, "gt", b}, options, "dpkg").ok();
}

// The newest kernel of this suite and flavour already in the cache, for working offline.
std::optional<fs::path> newest_cached(const fs::path& kernels, const std::string& suite,
                                      const std::string& flavour) {
  const std::string value = "debian:" + suite + ":" + flavour;
  // Damaged entries are not listed (a warning names them): never fatal for the fallback.
  const auto cached = list_cached_kernels(kernels);
  const CachedKernel* best = nullptr;
  for (const auto& k : cached) {
    if (k.kind == "debian" && k.value == value &&
        (!best || version_newer(k.version, best->version)))
      best = &k;
  }
  return best ? std::optional<fs::path>(best->dir) : std::nullopt;
}

// Debian's image packages ship no modules.dep: the postinst runs depmod. Run it on the unpacked
// tree so the initramfs builder can read dependencies.
void ensure_modules_dep(const fs::path& tree, const std::string& release) {
  if (fs::exists(tree / "lib/modules" / release / "modules.dep")) return;
  CommandOptions options;
  options.timeout = std::chrono::minutes(2);
  run_checked({"depmod", "-b", tree.string(), release}, options, "kmod");
}

KernelArtifacts fetch_and_unpack(const PrivateApt& apt, const fs::path& kernels,
                                 const std::string& suite, const std::string& flavour,
                                 const std::string& package, const std::string& version) {
  auto start = std::chrono::steady_clock::now();
  TempDir work(kernels, owned_temp_prefix(".fetch-"));
  std::vector<std::pair<std::string, std::string>> wanted = {{package, version}};
  for (const auto& part : kernel_part_packages(package, apt.show_field(package, "Depends"))) {
    wanted.emplace_back(part, apt.show_field(part, "Version"));
  }
  auto tree = work.path() / "tree";
  CommandOptions options;
  options.timeout = std::chrono::minutes(5);
  std::vector<std::string> fetched;
  for (const auto& [name, ver] : wanted) {
    auto deb = apt.download(name, ver, work.path() / "deb");
    run_checked({"dpkg-deb", "-x", deb.string(), tree.string()}, options, "dpkg");
    fetched.push_back(name);
  }
  spdlog::info("downloaded and unpacked {} {} in {:.1f} s", fmt::join(fetched, " + "), version,
               seconds_since(start));
  // Debian 12 packages install under /lib; merged-/usr packages of later suites under /usr/lib.
  if (!fs::exists(tree / "lib/modules") && fs::exists(tree / "usr/lib/modules")) {
    fs::create_directories(tree / "lib");
    fs::rename(tree / "usr/lib/modules", tree / "lib/modules");
  }
  auto layout = find_kernel_layout(tree);
  ensure_modules_dep(tree, layout.release);
  fs::remove_all(tree / "usr/share/doc");

  KernelMeta meta;
  meta.kind = "debian";
  meta.suite = suite;
  meta.flavour = flavour;
  meta.value = "debian:" + suite + ":" + flavour;
  meta.source = meta.value + " " + version;
  meta.package = package;
  meta.packages = fetched;
  meta.version = version;
  meta.release = layout.release;
  meta.kernel = layout.kernel;
  meta.modules_dir = "lib/modules/" + layout.release;
  meta.config = layout.config;
  write_kernel_meta(tree, meta);

  auto final_dir = kernels / kernel_cache_name(suite, flavour, version);
  fs::rename(tree, final_dir);
  spdlog::info("kernel {} ready in {} ({:.1f} s)", layout.release, final_dir.string(),
               seconds_since(start));
  return load_cached_kernel(final_dir);
}

}  // namespace

std::optional<std::string> kernel_image_package(const std::string& depends) {
  return first_dependency_with_prefix(depends, "linux-image-");
}

std::vector<std::string> kernel_part_packages(const std::string& image_package,
                                              const std::string& depends) {
  const std::string image_prefix = "linux-image-";
  if (!image_package.starts_with(image_prefix)) return {};
  // "-<release>" that every part of this kernel ends with, e.g. "-7.2.13+deb14-cloud-amd64".
  // Appended: `"x" + std::string&&` is a false -Wrestrict at -O3 in GCC 12 (GCC bug 105329).
  const std::string release_suffix = std::string("-").append(image_package, image_prefix.size());
  std::vector<std::string> parts;
  for (auto& name : dependency_names(depends)) {
    if (name.starts_with("linux-") && name.ends_with(release_suffix) && name != image_package &&
        name.size() > release_suffix.size() + 6)
      parts.push_back(name);
  }
  return parts;
}

KernelTreeLayout find_kernel_layout(const fs::path& tree) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(tree / "boot", ec)) {
    auto name = entry.path().filename().string();
    if (!name.starts_with("vmlinuz-") || name.size() == 8) continue;
    KernelTreeLayout layout;
    layout.release = name.substr(8);
    layout.kernel = "boot/" + name;
    if (fs::exists(tree / "boot" / ("config-" + layout.release)))
      layout.config = "boot/config-" + layout.release;
    return layout;
  }
  for (const auto& entry : fs::directory_iterator(tree / "lib/modules", ec)) {
    if (!fs::is_regular_file(entry.path() / "vmlinuz")) continue;
    KernelTreeLayout layout;
    layout.release = entry.path().filename().string();
    layout.kernel = "lib/modules/" + layout.release + "/vmlinuz";
    if (fs::exists(entry.path() / "config"))
      layout.config = "lib/modules/" + layout.release + "/config";
    return layout;
  }
  throw InfraError(
      "no kernel image (boot/vmlinuz-RELEASE or lib/modules/RELEASE/vmlinuz) in the unpacked "
      "kernel packages at " +
      tree.string());
}

std::string kernel_cache_name(const std::string& suite, const std::string& flavour,
                              const std::string& version) {
  std::string name = suite + "-" + flavour + "-" + version;
  for (auto& c : name) {
    if (c == ':' || c == '/' || c == '~') c = '_';
  }
  return name;
}

KernelArtifacts prepare_debian_kernel(const std::string& suite, const std::string& flavour) {
  auto kernels = cache_dir() / "kernels";
  fs::create_directories(kernels);
  FileLock lock(kernels / (suite + "-" + flavour + ".lock"));

  auto archive = find_debian_archive();
  PrivateApt apt(cache_dir() / "apt" / suite, archive.uri, suite);
  const std::string meta_package = "linux-image-" + flavour;
  std::string package, version;
  try {
    apt.update(kAptListsMaxAge);
    auto image = kernel_image_package(apt.show_field(meta_package, "Depends"));
    if (!image) throw InfraError(meta_package + " depends on no linux-image-* package");
    package = *image;
    version = apt.show_field(package, "Version");
  } catch (const InfraError& e) {
    auto cached = newest_cached(kernels, suite, flavour);
    if (!cached) {
      // The archive answered, but not with what the user named: their input, not the network.
      std::string what = e.what();
      if (what.find("does not have a Release file") != std::string::npos)
        throw UserError("Debian suite '" + suite + "' does not exist in the archive " + archive.uri,
                        "use a suite such as bookworm, trixie or sid");
      if (what.find("not found in suite") != std::string::npos)
        throw UserError("suite " + suite + " has no package " + meta_package,
                        "flavours are e.g. cloud-amd64 or amd64");
      throw;
    }
    spdlog::warn("cannot resolve {} in {} ({}); using the newest cached kernel {}", meta_package,
                 suite, e.what(), cached->filename().string());
    return load_cached_kernel(*cached);
  }

  auto dir = kernels / kernel_cache_name(suite, flavour, version);
  if (fs::exists(dir / "meta.json")) {
    spdlog::info("kernel {} {} is cached in {}", package, version, dir.string());
    return load_cached_kernel(dir);
  }
  spdlog::info("fetching {} {} from {} {}", package, version, archive.uri, suite);
  return fetch_and_unpack(apt, kernels, suite, flavour, package, version);
}

}  // namespace fuselab
