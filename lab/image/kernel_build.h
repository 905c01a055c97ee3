// Kernels built by fuselab from a source: Debian's newest `linux-source-X.Y` of a suite, or a
// directory (a git checkout), with config fragments from images/kernel/config/ merged over
// base.config and patches from images/kernel/patches/. Cached under cache_dir()/kernels/.
//
// Layout: `kernels/work/<work-key>/{src,obj}` is a persistent tree per (source, config): a build
// applies its patches to src, runs make with O=obj, and reverts them, so two patch sets of the
// same source and config rebuild only the files the patches touch. `kernels/build-<key>/` is the
// finished artifact (bzImage, config, meta.json, build.log), renamed into place when complete.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "image/artifacts.h"
#include "image/kernel_config.h"

namespace fuselab {

struct KernelBuildRequest {
  std::string debian_suite;            // build Debian's linux-source of this suite, or
  std::filesystem::path source_dir;    // this tree
  std::vector<std::string> fragments;  // names (images/kernel/config/<name>.config) or abs paths
  std::vector<std::string> patches;    // names (images/kernel/patches/<name>.patch) or abs paths
  std::string value;                   // as the user wrote it, for messages and meta.json
};

// The request's files. base.config is always first in `configs`.
struct KernelBuildInputs {
  std::vector<std::filesystem::path> configs;
  std::vector<std::filesystem::path> patches;
};

// Resolves names against `repo`/images/kernel. Throws UserError naming a missing file and the
// names that exist.
KernelBuildInputs resolve_build_inputs(const KernelBuildRequest& request,
                                       const std::filesystem::path& repo);

// Bump when the build recipe changes (make targets, config steps), so older artifacts are rebuilt.
inline constexpr const char* kKernelBuilderVersion = "fuselab-kernel-build-1";

// Key of the persistent work tree: where the source comes from and the config contents (in order).
std::string kernel_work_key(const std::string& source_location, const NamedTexts& configs);
// Key of the artifact: the exact source identity, config and patch contents (in order), builder.
std::string kernel_build_key(const std::string& source_identity, const NamedTexts& configs,
                             const NamedTexts& patches);

// Builds (or finds cached) the kernel. UserError for bad input (a patch that does not apply, a
// dropped config option, a tree that fails to build); InfraError when a tool or the archive fails.
KernelArtifacts build_kernel(const KernelBuildRequest& request, const std::filesystem::path& repo);

}  // namespace fuselab
