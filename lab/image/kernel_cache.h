// The kernels in cache_dir()/kernels, for `fuselab kernel list`, and the check that a file is a
// kernel at all.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace fuselab {

struct CachedKernel {
  std::filesystem::path dir;
  std::string kind;     // "debian" or "build"
  std::string value;    // the axis value that names it (debian:<suite>:<flavour>, build:...)
  std::string source;   // meta.json's source text
  std::string release;  // uname -r
  std::string version;  // package version, or the tree's git version
  std::uintmax_t size_bytes = 0;  // the kernel image
  std::filesystem::path kernel;
  std::filesystem::path config;  // the kernel's .config, if the cache has it
};

// Every complete cached kernel (a folder with a meta.json), sorted by value then version.
std::vector<CachedKernel> list_cached_kernels(const std::filesystem::path& kernels_dir);

// True when `path` is an x86 boot image: "HdrS" at offset 0x202 (the boot protocol header every
// bzImage has since 2.00). A vmlinux ELF, a module or a text file is not.
bool looks_like_bzimage(const std::filesystem::path& path);

}  // namespace fuselab
