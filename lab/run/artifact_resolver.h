// Turns a cell's `kernel` and `image` values into files to boot, preparing (and caching) them
// once per run for each distinct pair.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <tuple>

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

// Cells with the same key boot the same files: kernel, image and upload values.
using BootKey = std::tuple<std::string, std::string, std::string>;
inline BootKey boot_key(const CellSpec& cell) { return {cell.kernel, cell.image, cell.upload}; }

// What the plan runner asks of the files its cells boot. ArtifactResolver is the real one; the
// plan runner's unit tests give made-up files (tests/support/fake_backend.h).
class PlanArtifacts {
 public:
  virtual ~PlanArtifacts() = default;
  // Fails early (UserError) on values that cannot work, before anything slow starts.
  virtual void check_plan(const Plan& plan) = 0;
  virtual const KernelArtifacts& kernel(const std::string& value) = 0;
  // The initramfs and base image for a cell's kernel, image and upload (see boot_key()); the
  // accelerator is left to the caller.
  virtual BootArtifacts boot(const CellSpec& cell) = 0;
};

// Downloads, builds and caches what a value names (lab/image), once per run for each value.
class ArtifactResolver : public PlanArtifacts {
 public:
  ArtifactResolver(std::filesystem::path source_dir, std::filesystem::path agent)
      : source_dir_(std::move(source_dir)), agent_(std::move(agent)) {}

  // Fails early (UserError) on values that cannot work, before anything slow starts.
  void check(const std::string& kernel, const std::string& image) const;
  void check_kernel(const std::string& kernel) const;
  void check_image(const std::string& image) const;
  void check_agent() const;
  // check_plan_values() (run/plan_check.h) and check_agent().
  void check_plan(const Plan& plan) override;
  const KernelArtifacts& kernel(const std::string& value) override;
  BootArtifacts boot(const CellSpec& cell) override;
  std::filesystem::path recipe_path(const std::string& image) const;

 private:
  std::filesystem::path source_dir_;
  std::filesystem::path agent_;
  std::map<std::string, KernelArtifacts> kernels_;
  std::map<std::string, std::filesystem::path> initrds_;
  std::map<std::string, std::filesystem::path> images_;
  std::map<BootKey, std::filesystem::path> uploads_;
};

}  // namespace fuselab
