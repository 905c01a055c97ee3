#include "image/kernel_cache.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/paths.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace fuselab {
namespace {

// A string field of a meta.json that a user or an older fuselab may have edited: the wrong type
// is the same as absent.
std::string text_field(const json& meta, const char* key, const std::string& fallback = {}) {
  auto it = meta.find(key);
  return it != meta.end() && it->is_string() ? it->get<std::string>() : fallback;
}

}  // namespace

std::vector<CachedKernel> list_cached_kernels(const fs::path& kernels_dir) {
  std::vector<CachedKernel> list;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(kernels_dir, ec)) {
    auto meta_path = entry.path() / "meta.json";
    // ".build-*", ".fetch-*": being assembled, not a kernel yet.
    if (entry.path().filename().string().starts_with(".") || !fs::is_regular_file(meta_path))
      continue;
    auto meta = json::parse(read_file(meta_path), nullptr, false);
    if (meta.is_discarded() || !meta.is_object()) continue;
    CachedKernel k;
    k.dir = entry.path();
    k.kind = text_field(meta, "kind", "debian");
    k.value = text_field(meta, "value");
    if (k.value.empty() && k.kind == "debian")
      k.value = "debian:" + text_field(meta, "suite", "?") + ":" + text_field(meta, "flavour", "?");
    k.source = text_field(meta, "source");
    k.release = text_field(meta, "release");
    k.version = text_field(meta, "version");
    k.kernel = entry.path() / text_field(meta, "kernel");
    if (auto config = text_field(meta, "config");
        !config.empty() && fs::is_regular_file(entry.path() / config))
      k.config = entry.path() / config;
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
