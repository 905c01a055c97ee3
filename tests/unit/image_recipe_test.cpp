// Recipes decide what is installed in the guest; their canonical form keys the rootfs cache.
#include "image/image_recipe.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "image/rootfs_tarball.h"

namespace fuselab {
namespace {

TEST(ImageRecipe, ParsesAndCanonicalises) {
  auto recipe = parse_image_recipe(R"(# comment
suite: bookworm
packages: fio kmod   # trailing comment
packages: fio procps
size_gib: 3
)",
                                   "test");
  EXPECT_EQ(recipe.suite, "bookworm");
  EXPECT_EQ(recipe.variant, "essential");
  EXPECT_EQ(recipe.size_gib, 3u);
  EXPECT_EQ(recipe.packages, (std::vector<std::string>{"fio", "kmod", "procps"}));
  // Order, duplicates and comments do not change the cache key.
  auto same = parse_image_recipe("packages: procps kmod fio\nsize_gib: 3\nsuite: bookworm\n", "t");
  EXPECT_EQ(same.canonical(), recipe.canonical());
  EXPECT_EQ(recipe.canonical(),
            "suite=bookworm\nvariant=essential\nsize_gib=3\npackages=fio,kmod,procps,\n");
}

TEST(ImageRecipe, RejectsBadInput) {
  EXPECT_THROW(parse_image_recipe("packages: fio\n", "t"), UserError);  // no suite
  EXPECT_THROW(parse_image_recipe("suite: bookworm\nmirror: x\n", "t"), UserError);
  EXPECT_THROW(parse_image_recipe("suite: bookworm\npackages: fio;rm\n", "t"), UserError);
  EXPECT_THROW(parse_image_recipe("suite: bookworm\nvariant: minimal\n", "t"), UserError);
  EXPECT_THROW(parse_image_recipe("suite: bookworm\nsize_gib: 0\n", "t"), UserError);
  EXPECT_THROW(parse_image_recipe("suite: Bookworm\n", "t"), UserError);
}

TEST(ImageRecipe, MmdebstrapArgv) {
  auto recipe = parse_image_recipe("suite: bookworm\npackages: kmod fio\n", "t");
  auto argv = mmdebstrap_argv(recipe, "http://mirror.example/debian", "/c/out.tar");
  ASSERT_GE(argv.size(), 4u);
  EXPECT_EQ(argv[0], "mmdebstrap");
  EXPECT_NE(std::find(argv.begin(), argv.end(), "--include=fio,kmod"), argv.end());
  EXPECT_NE(std::find(argv.begin(), argv.end(), "--variant=essential"), argv.end());
  EXPECT_EQ(argv[argv.size() - 3], "bookworm");
  EXPECT_EQ(argv[argv.size() - 2], "/c/out.tar");
  EXPECT_EQ(argv.back(), "http://mirror.example/debian");
}

}  // namespace
}  // namespace fuselab
