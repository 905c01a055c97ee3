// The guest root filesystem as a tarball, built by mmdebstrap from the host's Debian archive and
// cached by the recipe's canonical text.
#pragma once

#include <filesystem>
#include <string>

#include "image/image_recipe.h"

namespace fuselab {

struct RootfsTarball {
  std::filesystem::path path;
  std::string sha256;  // of the tarball, recorded when it was built
};

RootfsTarball prepare_rootfs_tarball(const ImageRecipe& recipe);

// mmdebstrap's argv for `recipe` (exposed for tests: what reaches the tool).
std::vector<std::string> mmdebstrap_argv(const ImageRecipe& recipe, const std::string& archive_uri,
                                         const std::filesystem::path& output);

}  // namespace fuselab
