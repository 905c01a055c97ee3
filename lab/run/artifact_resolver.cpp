#include "run/artifact_resolver.h"

#include <spdlog/spdlog.h>

#include "common/error.h"
#include "image/kernel_cache.h"
#include "image/upload_image.h"
#include "run/plan_check.h"

namespace fs = std::filesystem;

namespace fuselab {

namespace {

const char* kKernelHint =
    "use debian:<suite>[:<flavour>] (e.g. debian:bookworm:cloud-amd64), "
    "path:<bzImage>[,modules=<lib/modules/RELEASE dir>], "
    "build:debian:<suite>[,config=<frag>+...][,patches=<patch>+...] or "
    "build:<source dir>[,config=...][,patches=...]";

bool valid_word(const std::string& s) {
  return !s.empty() &&
         s.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-") == std::string::npos;
}

// "a+b" -> {"a", "b"}: names (letters, digits, '_', '-', '.') or absolute paths.
std::vector<std::string> split_list(const std::string& value, const std::string& key,
                                    const std::string& list) {
  std::vector<std::string> items;
  size_t start = 0;
  while (true) {
    auto plus = list.find('+', start);
    auto item = list.substr(start, plus == std::string::npos ? std::string::npos : plus - start);
    bool name = !item.empty() && item.find_first_not_of(
                                     "abcdefghijklmnopqrstuvwxyz"
                                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                     "0123456789_.-") == std::string::npos;
    if (!name && !item.starts_with("/")) {
      throw UserError(
          "bad " + key + " entry '" + item + "' in kernel value '" + value + "'",
          "names are [A-Za-z0-9_.-]+ (images/kernel/" +
              (key == "config" ? std::string("config/<name>.config") : "patches/<name>.patch") +
              ") or absolute paths, joined by '+'");
    }
    items.push_back(item);
    if (plus == std::string::npos) return items;
    start = plus + 1;
  }
}

KernelRef parse_build(const std::string& value) {
  KernelRef ref;
  ref.kind = KernelRef::Kind::Build;
  ref.build.value = value;
  // The source, then ",key=value" options; a source directory cannot contain a comma.
  std::vector<std::string> parts;
  std::string rest = value.substr(6);
  for (size_t start = 0;;) {
    auto comma = rest.find(',', start);
    parts.push_back(
        rest.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  const auto& source = parts[0];
  if (source.starts_with("debian:")) {
    ref.build.debian_suite = source.substr(7);
    if (!valid_word(ref.build.debian_suite))
      throw UserError("bad Debian suite in kernel value '" + value + "'", kKernelHint);
  } else if (source.empty()) {
    throw UserError("kernel value '" + value + "' names no source", kKernelHint);
  } else {
    ref.build.source_dir = source;
    if (!fs::is_directory(ref.build.source_dir))
      throw UserError("kernel source directory '" + source + "' does not exist", kKernelHint);
  }
  bool have_config = false, have_patches = false;
  for (size_t i = 1; i < parts.size(); ++i) {
    auto eq = parts[i].find('=');
    auto key = parts[i].substr(0, eq);
    auto list = eq == std::string::npos ? std::string() : parts[i].substr(eq + 1);
    if (key == "config" && !have_config) {
      have_config = true;
      ref.build.fragments = split_list(value, key, list);
    } else if (key == "patches" && !have_patches) {
      have_patches = true;
      ref.build.patches = split_list(value, key, list);
    } else {
      throw UserError("bad option '" + parts[i] + "' in kernel value '" + value + "'",
                      "build: takes config=<frag>[+<frag>...] and patches=<p>[+<p>...], once each");
    }
  }
  return ref;
}

}  // namespace

KernelRef parse_kernel_ref(const std::string& value) {
  KernelRef ref;
  const std::string hint = kKernelHint;
  if (value.rfind("build:", 0) == 0) return parse_build(value);
  if (value.rfind("debian:", 0) == 0) {
    std::string rest = value.substr(7);
    auto colon = rest.find(':');
    ref.suite = rest.substr(0, colon);
    ref.flavour = colon == std::string::npos ? "cloud-amd64" : rest.substr(colon + 1);
    if (!valid_word(ref.suite) || !valid_word(ref.flavour))
      throw UserError("bad kernel value '" + value + "'", hint);
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
      throw UserError("kernel modules directory '" + ref.modules.string() + "' does not exist",
                      hint);
    }
    if (!looks_like_bzimage(ref.image)) {
      throw UserError(
          "'" + ref.image.string() + "' is not a kernel image (no bzImage header at 0x202)",
          "give the bzImage (arch/x86/boot/bzImage or /boot/vmlinuz-*), not vmlinux");
    }
    return ref;
  }
  throw UserError("unknown kernel source '" + value + "'", hint);
}

fs::path ArtifactResolver::recipe_path(const std::string& image) const {
  return source_dir_ / "images" / "guest" / (image + ".recipe");
}

void ArtifactResolver::check_kernel(const std::string& kernel) const {
  auto ref = parse_kernel_ref(kernel);
  if (ref.kind == KernelRef::Kind::Build) resolve_build_inputs(ref.build, source_dir_);
}

void ArtifactResolver::check_image(const std::string& image) const {
  if (!fs::is_regular_file(recipe_path(image))) {
    std::string known;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(source_dir_ / "images" / "guest", ec)) {
      if (e.path().extension() == ".recipe")
        known += (known.empty() ? "" : ", ") + e.path().stem().string();
    }
    throw UserError("image '" + image + "' does not exist (no " + recipe_path(image).string() + ")",
                    "known images: " + known);
  }
}

void ArtifactResolver::check_plan(const Plan& plan) {
  check_plan_values(plan, *this);
  check_agent();
}

void ArtifactResolver::check_agent() const {
  if (!fs::is_regular_file(agent_)) {
    throw UserError("guest agent binary '" + agent_.string() + "' does not exist",
                    "build it: cmake --build build");
  }
}

void ArtifactResolver::check(const std::string& kernel, const std::string& image) const {
  check_kernel(kernel);
  check_image(image);
  check_agent();
}

const KernelArtifacts& ArtifactResolver::kernel(const std::string& value) {
  if (auto it = kernels_.find(value); it != kernels_.end()) return it->second;
  KernelRef ref = parse_kernel_ref(value);
  KernelArtifacts k;
  if (ref.kind == KernelRef::Kind::Debian) {
    k = prepare_debian_kernel(ref.suite, ref.flavour);
  } else if (ref.kind == KernelRef::Kind::Build) {
    k = build_kernel(ref.build, source_dir_);
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

BootArtifacts ArtifactResolver::boot(const CellSpec& cell) {
  const KernelArtifacts& k = kernel(cell.kernel);
  auto& initrd = initrds_[cell.kernel];
  if (initrd.empty()) initrd = prepare_initramfs(k, agent_, default_guest_modules());
  auto& image_base = images_[cell.image];
  if (image_base.empty()) image_base = prepare_base_image(recipe_path(cell.image), agent_);
  fs::path base = image_base;
  if (!cell.upload.empty()) {
    auto& with_upload = uploads_[boot_key(cell)];
    if (with_upload.empty()) {
      // The program whose libraries are checked: exec's first word, when it is the upload's.
      const auto exec = agent_spec(cell).server.exec;
      const std::string program = exec.empty() ? std::string() : exec.front();
      const std::string guest = upload_guest_path(cell);
      with_upload = prepare_upload_image(image_base, upload_host_path(cell), kUploadDir,
                                         program.starts_with(guest) ? program : std::string());
    }
    base = with_upload;
  }
  BootArtifacts boot;
  boot.kernel = k.kernel;
  boot.initrd = initrd;
  boot.base_image = base;
  boot.kernel_release = k.release;
  boot.kernel_source = k.source;
  return boot;
}

}  // namespace fuselab
