// meta.json of a cached kernel (cache_dir()/kernels/<entry>/meta.json): what the entry is and
// where its files are. One struct, one writer and one reader for both kinds of entry: a Debian
// kernel package unpacked by prepare_debian_kernel and a kernel built by build_kernel.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "image/artifacts.h"

namespace fuselab {

struct KernelMeta {
  std::string kind = "debian";  // "debian" or "build"
  std::string value;            // the kernel axis value: debian:<suite>:<flavour>, build:...
  std::string source;   // human-readable origin, e.g. "debian:bookworm:cloud-amd64 6.1.176-1"
  std::string version;  // the package version (a build: of its source package or tree)
  std::string release;  // uname -r
  // Paths relative to the entry. modules_dir empty: no modules (a build has everything built
  // in); config empty: none.
  std::string kernel, modules_dir, config;
  // kind "debian"
  std::string suite, flavour, package;
  std::vector<std::string> packages;  // every package unpacked (sid splits the image)
  // kind "build"
  std::vector<std::string> fragments, patches;  // as the request named them
  std::string key;                              // the artifact key (kernel_build_key)
  std::optional<double> build_seconds;
};

// The file's text: every field of the struct (kind-specific ones for that kind only).
std::string kernel_meta_json(const KernelMeta& meta);
void write_kernel_meta(const std::filesystem::path& dir, const KernelMeta& meta);

// Reads meta.json text; `file` names it in errors. Fields added over time have defaults, so
// entries written by earlier versions read: no "kind" is a Debian kernel, no "value"/"source"
// of a Debian kernel are made from suite, flavour and version, no "config" is
// boot/config-<release>. A missing required field or a field of the wrong type throws
// InfraError naming the file and the key.
KernelMeta parse_kernel_meta(const std::string& text, const std::string& file);
KernelMeta read_kernel_meta(const std::filesystem::path& dir);

// The entry's files, resolved against `dir`: the config only when the file exists. Throws
// InfraError when the kernel image or the modules' modules.dep is missing.
KernelArtifacts kernel_artifacts(const std::filesystem::path& dir, const KernelMeta& meta);
// kernel_artifacts(dir, read_kernel_meta(dir)).
KernelArtifacts load_cached_kernel(const std::filesystem::path& dir);

}  // namespace fuselab
