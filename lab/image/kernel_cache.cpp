#include "image/kernel_cache.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/json_fields.h"
#include "common/paths.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace fuselab {
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
    // Damaged or foreign entries: mistyped fields read as missing, never as an exception.
    auto text = [&](const char* key, const std::string& fallback) {
      return json_string_field(meta, key).value_or(fallback);
    };
    k.kind = text("kind", "debian");
    k.value = text("value", "");
    if (k.value.empty() && k.kind == "debian")
      k.value = "debian:" + text("suite", "?") + ":" + text("flavour", "?");
    k.source = text("source", "");
    k.release = text("release", "");
    k.version = text("version", "");
    k.kernel = entry.path() / text("kernel", "");
    if (auto config = text("config", "");
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
