#include "run/artifact_resolver.h"

#include <spdlog/spdlog.h>

#include "common/error.h"

namespace fs = std::filesystem;

namespace fuselab {

KernelRef parse_kernel_ref(const std::string& value) {
  KernelRef ref;
  const std::string hint = "use debian:<suite>[:<flavour>] (e.g. debian:bookworm:cloud-amd64) or "
                           "path:<bzImage>[,modules=<lib/modules/RELEASE dir>]";
  if (value.rfind("debian:", 0) == 0) {
    std::string rest = value.substr(7);
    auto colon = rest.find(':');
    ref.suite = rest.substr(0, colon);
    ref.flavour = colon == std::string::npos ? "cloud-amd64" : rest.substr(colon + 1);
    auto valid = [](const std::string& s) {
      return !s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-") == std::string::npos;
    };
    if (!valid(ref.suite) || !valid(ref.flavour)) throw UserError("bad kernel value '" + value + "'", hint);
    return ref;
  }
  if (value.rfind("path:", 0) == 0) {
    ref.kind = KernelRef::Kind::Path;
    std::string rest = value.substr(5);
    auto comma = rest.find(",modules=");
    ref.image = rest.substr(0, comma);
    if (comma != std::string::npos) ref.modules = rest.substr(comma + 9);
    if (!fs::is_regular_file(ref.image)) {
      throw UserError("kernel image '" + ref.image.string() + "' does not exist", hint);
    }
    if (!ref.modules.empty() && !fs::is_directory(ref.modules)) {
      throw UserError("kernel modules directory '" + ref.modules.string() + "' does not exist", hint);
    }
    return ref;
  }
  throw UserError("unknown kernel source '" + value + "'", hint);
}

fs::path ArtifactResolver::recipe_path(const std::string& image) const {
  return source_dir_ / "images" / "guest" / (image + ".recipe");
}

void ArtifactResolver::check(const std::string& kernel, const std::string& image) const {
  parse_kernel_ref(kernel);
  if (!fs::is_regular_file(recipe_path(image))) {
    std::string known;
    for (const auto& e : fs::directory_iterator(source_dir_ / "images" / "guest")) {
      if (e.path().extension() == ".recipe") known += (known.empty() ? "" : ", ") + e.path().stem().string();
    }
    throw UserError("image '" + image + "' does not exist (no " + recipe_path(image).string() + ")",
                    "known images: " + known);
  }
  if (!fs::is_regular_file(agent_)) {
    throw UserError("guest agent binary '" + agent_.string() + "' does not exist", "build it: cmake --build build");
  }
}

const KernelArtifacts& ArtifactResolver::kernel(const std::string& value) {
  if (auto it = kernels_.find(value); it != kernels_.end()) return it->second;
  KernelRef ref = parse_kernel_ref(value);
  KernelArtifacts k;
  if (ref.kind == KernelRef::Kind::Debian) {
    k = prepare_debian_kernel(ref.suite, ref.flavour);
  } else {
    k.kernel = fs::absolute(ref.image);
    if (!ref.modules.empty()) {
      k.modules_dir = fs::absolute(ref.modules);
      k.release = k.modules_dir.filename().string();
    }
    k.source = value;
  }
  return kernels_.emplace(value, k).first->second;
}

BootArtifacts ArtifactResolver::boot(const std::string& kernel_value, const std::string& image) {
  const KernelArtifacts& k = kernel(kernel_value);
  auto& initrd = initrds_[kernel_value];
  if (initrd.empty()) initrd = prepare_initramfs(k, agent_, default_guest_modules());
  auto& base = images_[image];
  if (base.empty()) base = prepare_base_image(recipe_path(image), agent_);
  BootArtifacts boot;
  boot.kernel = k.kernel;
  boot.initrd = initrd;
  boot.base_image = base;
  boot.kernel_release = k.release;
  boot.kernel_source = k.source;
  return boot;
}

}  // namespace fuselab
