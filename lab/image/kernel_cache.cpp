#include "image/kernel_cache.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>

#include "common/error.h"
#include "image/kernel_meta.h"

namespace fs = std::filesystem;

namespace fuselab {
std::vector<CachedKernel> list_cached_kernels(const fs::path& kernels_dir) {
  std::vector<CachedKernel> list;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(kernels_dir, ec)) {
    auto meta_path = entry.path() / "meta.json";
    // ".build-*", ".fetch-*": being assembled, not a kernel yet.
    if (entry.path().filename().string().starts_with(".") || !fs::is_regular_file(meta_path))
      continue;
    KernelMeta meta;
    try {
      meta = read_kernel_meta(entry.path());
    } catch (const InfraError& e) {
      // One damaged entry does not hide the others; the message names its file and key.
      spdlog::warn("skipping cached kernel: {}", e.what());
      continue;
    }
    CachedKernel k;
    k.dir = entry.path();
    k.kind = meta.kind;
    k.value = meta.value;
    k.source = meta.source;
    k.release = meta.release;
    k.version = meta.version;
    k.kernel = entry.path() / meta.kernel;
    if (!meta.config.empty() && fs::is_regular_file(entry.path() / meta.config))
      k.config = entry.path() / meta.config;
    k.size_bytes = fs::file_size(k.kernel, ec);
    if (ec) k.size_bytes = 0;
    list.push_back(std::move(k));
  }
  std::sort(list.begin(), list.end(), [](const CachedKernel& a, const CachedKernel& b) {
    return std::tie(a.value, a.version, a.dir) < std::tie(b.value, b.version, b.dir);
  });
  return list;
}

bool looks_like_bzimage(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  char magic[4] = {};
  in.seekg(0x202);
  in.read(magic, sizeof(magic));
  return in.gcount() == 4 && std::string(magic, 4) == "HdrS";
}

}  // namespace fuselab
