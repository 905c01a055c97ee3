// Internals of prepare_debian_kernel (artifacts.h) that are pure logic, exposed for unit tests.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "image/artifacts.h"

namespace fuselab {

// The real image package a `linux-image-<flavour>` metapackage depends on, from its Depends
// field, e.g. "linux-image-6.1.0-50-cloud-amd64 (= 6.1.176-1)" ->
// "linux-image-6.1.0-50-cloud-amd64".
std::optional<std::string> kernel_image_package(const std::string& depends);

// Cache folder name of one kernel: "<suite>-<flavour>-<version>", with characters that are legal
// in Debian versions but awkward in paths (':' of an epoch) replaced.
std::string kernel_cache_name(const std::string& suite, const std::string& flavour,
                              const std::string& version);

// Reads `dir`/meta.json written when the kernel was unpacked.
KernelArtifacts load_kernel_meta(const std::filesystem::path& dir);

}  // namespace fuselab
