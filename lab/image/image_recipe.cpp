#include "image/image_recipe.h"

#include <algorithm>
#include <regex>
#include <sstream>

#include "common/error.h"
#include "common/paths.h"

namespace fuselab {
namespace {

std::string trim(const std::string& s) {
  auto begin = s.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return {};
  return s.substr(begin, s.find_last_not_of(" \t\r") - begin + 1);
}

// Debian package and suite names: lower-case letters, digits, + - . (Policy 5.6.1).
bool is_debian_name(const std::string& s) {
  static const std::regex name("[a-z0-9][a-z0-9+.-]*");
  return std::regex_match(s, name);
}

const std::vector<std::string> kVariants = {"extract", "custom", "essential", "apt",     "required",
                                            "minbase", "buildd", "important", "standard"};

}  // namespace

std::string ImageRecipe::canonical() const {
  std::string text = "suite=" + suite + "\nvariant=" + variant +
                     "\nsize_gib=" + std::to_string(size_gib) + "\npackages=";
  for (const auto& p : packages) text += p + ",";
  return text + "\n";
}

ImageRecipe parse_image_recipe(std::string_view text, const std::string& origin) {
  ImageRecipe recipe;
  std::istringstream in{std::string(text)};
  std::string line;
  int number = 0;
  auto fail = [&](const std::string& why) {
    throw UserError(origin + ":" + std::to_string(number) + ": " + why,
                    "a recipe has lines `suite: NAME`, `variant: NAME`, `size_gib: N`, "
                    "`packages: A B C` and # comments");
  };
  while (std::getline(in, line)) {
    ++number;
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    if (trim(line).empty()) continue;
    auto colon = line.find(':');
    if (colon == std::string::npos) fail("expected `key: value`");
    auto key = trim(line.substr(0, colon));
    auto value = trim(line.substr(colon + 1));
    if (key == "suite") {
      if (!is_debian_name(value)) fail("bad suite name '" + value + "'");
      recipe.suite = value;
    } else if (key == "variant") {
      if (std::find(kVariants.begin(), kVariants.end(), value) == kVariants.end()) {
        fail("unknown mmdebstrap variant '" + value + "'");
      }
      recipe.variant = value;
    } else if (key == "size_gib") {
      if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos ||
          value.size() > 4 || std::stoul(value) == 0) {
        fail("size_gib must be a positive integer");
      }
      recipe.size_gib = std::stoul(value);
    } else if (key == "packages") {
      std::istringstream words(value);
      std::string package;
      while (words >> package) {
        if (!is_debian_name(package)) fail("bad package name '" + package + "'");
        recipe.packages.push_back(package);
      }
    } else {
      fail("unknown key '" + key + "'");
    }
  }
  if (recipe.suite.empty()) {
    number = 0;
    fail("no suite given");
  }
  std::sort(recipe.packages.begin(), recipe.packages.end());
  recipe.packages.erase(std::unique(recipe.packages.begin(), recipe.packages.end()),
                        recipe.packages.end());
  return recipe;
}

ImageRecipe load_image_recipe(const std::filesystem::path& file) {
  if (!std::filesystem::is_regular_file(file))
    throw UserError("recipe not found: " + file.string());
  return parse_image_recipe(read_file(file), file.string());
}

}  // namespace fuselab
