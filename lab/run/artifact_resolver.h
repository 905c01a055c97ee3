// Turns a cell's `kernel` and `image` values into files to boot, preparing (and caching) them
// once per run for each distinct pair.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "image/artifacts.h"
#include "image/kernel_build.h"
#include "run/cell_runner.h"

namespace fuselab {

// A kernel value: "debian:<suite>[:<flavour>]", "path:<bzImage>[,modules=<dir>]", or
// "build:debian:<suite>[,config=<frag>[+<frag>...]][,patches=<p>[+<p>...]]" /
// "build:<dir>[,config=...][,patches=...]" (see lab/image/kernel_build.h).
struct KernelRef {
  enum class Kind { Debian, Path, Build } kind = Kind::Debian;
  std::string suite, flavour;     // Debian
  std::filesystem::path image;    // Path: the kernel image
  std::filesystem::path modules;  // Path: lib/modules/<release> directory (optional)
  KernelBuildRequest build;       // Build
};

// Syntax and local checks only (files exist, a path: image is a bzImage); no network.
KernelRef parse_kernel_ref(const std::string& value);

class ArtifactResolver {
 public:
  ArtifactResolver(std::filesystem::path source_dir, std::filesystem::path agent)
      : source_dir_(std::move(source_dir)), agent_(std::move(agent)) {}

  // Fails early (UserError) on values that cannot work, before anything slow starts.
  void check(const std::string& kernel, const std::string& image) const;
  void check_kernel(const std::string& kernel) const;
  void check_image(const std::string& image) const;
  void check_agent() const;
  const KernelArtifacts& kernel(const std::string& value);
  // The initramfs and base image for a kernel/image pair; the accelerator is left to the caller.
  BootArtifacts boot(const std::string& kernel_value, const std::string& image);
  std::filesystem::path recipe_path(const std::string& image) const;

 private:
  std::filesystem::path source_dir_;
  std::filesystem::path agent_;
  std::map<std::string, KernelArtifacts> kernels_;
  std::map<std::string, std::filesystem::path> initrds_;
  std::map<std::string, std::filesystem::path> images_;
};

}  // namespace fuselab
