// Internals of prepare_debian_kernel (artifacts.h) that are pure logic, exposed for unit tests.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "image/artifacts.h"

namespace fuselab {

// The real image package a `linux-image-<flavour>` metapackage depends on, from its Depends
// field, e.g. "linux-image-6.1.0-50-cloud-amd64 (= 6.1.176-1)" ->
// "linux-image-6.1.0-50-cloud-amd64".
std::optional<std::string> kernel_image_package(const std::string& depends);

// The packages that carry the rest of an image package's kernel release. Debian sid split the
// image: linux-image-R is a 15 KB package depending on linux-binary-R (vmlinuz), linux-modules-R
// and linux-base-R (config, System.map, modules.order); earlier suites ship all of it in
// linux-image-R and get an empty list. `depends` is linux-image-R's Depends field.
std::vector<std::string> kernel_part_packages(const std::string& image_package,
                                              const std::string& depends);

// Where an unpacked kernel tree (modules already under lib/modules) keeps its image and config:
// boot/vmlinuz-R and boot/config-R (bookworm, trixie) or lib/modules/R/vmlinuz and
// lib/modules/R/config (sid). Paths are relative to `tree`. Throws InfraError naming what is
// missing.
struct KernelTreeLayout {
  std::string release;
  std::string kernel;
  std::string config;  // empty when the tree has none
};
KernelTreeLayout find_kernel_layout(const std::filesystem::path& tree);

// Cache folder name of one kernel: "<suite>-<flavour>-<version>", with characters that are legal
// in Debian versions but awkward in paths (':' of an epoch) replaced.
std::string kernel_cache_name(const std::string& suite, const std::string& flavour,
                              const std::string& version);

}  // namespace fuselab
