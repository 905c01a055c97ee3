// A guest image recipe (images/guest/*.recipe): which Debian suite and packages make the root
// filesystem. Plain `key: value` lines so it needs no parser beyond this file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace fuselab {

struct ImageRecipe {
  std::string suite;                  // e.g. bookworm
  std::string variant = "essential";  // mmdebstrap variant
  std::vector<std::string> packages;  // added with --include, sorted and unique
  uint64_t size_gib = 2;              // virtual disk size; the qcow2 is sparse

  // The recipe in one canonical text: what the rootfs cache key hashes, so comments and spacing
  // in the file do not force a rebuild.
  std::string canonical() const;
};

// Parses recipe text; `origin` names it in errors. Throws UserError on unknown keys or values
// that are not Debian names (they reach mmdebstrap's argv, never a shell, but stay strict).
ImageRecipe parse_image_recipe(std::string_view text, const std::string& origin);
ImageRecipe load_image_recipe(const std::filesystem::path& file);

}  // namespace fuselab
