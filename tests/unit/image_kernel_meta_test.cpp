// meta.json of cached kernels: the one reader on real entries written by earlier fuselab
// versions, the writer's round trip, and a clear error for a damaged entry.
#include <gtest/gtest.h>

#include "common/error.h"
#include "common/paths.h"
#include "image/kernel_meta.h"

namespace fuselab {
namespace {

namespace fs = std::filesystem;

KernelMeta real(const std::string& name) {
  auto path = fs::path(FUSELAB_TEST_DATA) / "kernel-meta" / name;
  return parse_kernel_meta(read_file(path), path.string());
}

std::string error_of(const std::string& text) {
  try {
    parse_kernel_meta(text, "/cache/kernels/x/meta.json");
  } catch (const InfraError& e) {
    return e.what();
  }
  return "no error";
}

TEST(KernelMeta, ReadsAnOldDebianEntry) {
  auto m = real("debian-bookworm.json");
  EXPECT_EQ(m.kind, "debian");  // written before entries said their kind
  EXPECT_EQ(m.value, "debian:bookworm:cloud-amd64");
  EXPECT_EQ(m.source, "debian:bookworm:cloud-amd64 6.1.176-1");
  EXPECT_EQ(m.release, "6.1.0-50-cloud-amd64");
  EXPECT_EQ(m.kernel, "boot/vmlinuz-6.1.0-50-cloud-amd64");
  EXPECT_EQ(m.modules_dir, "lib/modules/6.1.0-50-cloud-amd64");
  EXPECT_EQ(m.config, "boot/config-6.1.0-50-cloud-amd64");
  EXPECT_EQ(m.package, "linux-image-6.1.0-50-cloud-amd64");
  EXPECT_TRUE(m.packages.empty());
}

TEST(KernelMeta, ReadsSidsSplitPackages) {
  auto m = real("debian-sid.json");
  EXPECT_EQ(m.suite, "sid");
  EXPECT_EQ(m.version, "7.2.13-1");
  ASSERT_EQ(m.packages.size(), 4u);
  EXPECT_EQ(m.packages[3], "linux-modules-7.2.13+deb14-cloud-amd64");
  EXPECT_EQ(m.config, "lib/modules/7.2.13+deb14-cloud-amd64/config");
}

TEST(KernelMeta, ReadsABuiltEntry) {
  auto m = real("build-patched.json");
  EXPECT_EQ(m.kind, "build");
  EXPECT_EQ(m.value, "build:debian:sid,config=memcg-v1,patches=fuse-no-reclaim-guard");
  EXPECT_EQ(m.kernel, "bzImage");
  EXPECT_EQ(m.modules_dir, "");
  EXPECT_EQ(m.fragments, std::vector<std::string>{"memcg-v1"});
  EXPECT_EQ(m.patches, std::vector<std::string>{"fuse-no-reclaim-guard"});
  EXPECT_EQ(m.key.substr(0, 16), "c72f3e7f002f88d1");
  ASSERT_TRUE(m.build_seconds);
  EXPECT_EQ(*m.build_seconds, 26.0);
}

TEST(KernelMeta, WriterRoundTripsBothKinds) {
  for (const char* name : {"debian-bookworm.json", "debian-sid.json", "build-patched.json"}) {
    auto m = real(name);
    auto again = parse_kernel_meta(kernel_meta_json(m), name);
    EXPECT_EQ(kernel_meta_json(again), kernel_meta_json(m)) << name;
    EXPECT_EQ(again.value, m.value) << name;
    EXPECT_EQ(again.packages, m.packages) << name;
    EXPECT_EQ(again.build_seconds, m.build_seconds) << name;
  }
  // What the writer adds to an old entry is what the reader made up for it.
  auto text = kernel_meta_json(real("debian-bookworm.json"));
  EXPECT_NE(text.find("\"kind\": \"debian\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"value\": \"debian:bookworm:cloud-amd64\""), std::string::npos) << text;
}

TEST(KernelMeta, DamagedEntriesNameTheFileAndKey) {
  EXPECT_EQ(error_of("{\"kind\": \"build\", \"release\": \"7.2\", \"kernel\": \"bzImage\", "
                     "\"version\": \"1\", \"source\": \"s\"}"),
            "/cache/kernels/x/meta.json: \"value\" is missing (a damaged cache entry: remove "
            "/cache/kernels/x)");
  EXPECT_NE(error_of("{\"release\": 6, \"kernel\": \"k\"}").find("\"release\" is not a string"),
            std::string::npos);
  EXPECT_NE(
      error_of("{\"suite\": \"sid\", \"flavour\": \"f\", \"release\": \"r\", \"kernel\": \"k\", "
               "\"version\": \"v\", \"packages\": [\"a\", 1]}")
          .find("\"packages\" is not a list of strings"),
      std::string::npos);
  EXPECT_NE(
      error_of("{\"kind\": \"build\", \"value\": \"v\", \"source\": \"s\", \"release\": \"r\", "
               "\"kernel\": \"k\", \"version\": \"v\", \"build_seconds\": \"long\"}")
          .find("\"build_seconds\" is not a number"),
      std::string::npos);
  EXPECT_NE(error_of("{\"kind\": \"path\"}").find("\"kind\" is neither"), std::string::npos);
  EXPECT_NE(error_of("not json").find("meta.json: is not a JSON object"), std::string::npos);
  EXPECT_NE(error_of("[]").find("is not a JSON object"), std::string::npos);
  EXPECT_NE(error_of("{}").find("\"release\" is missing"), std::string::npos);
}

TEST(KernelMeta, ArtifactsOfAnIncompleteEntryAreAnError) {
  TempDir dir(fs::temp_directory_path(), "fuselab-meta-");
  auto m = real("build-patched.json");
  write_kernel_meta(dir.path(), m);
  EXPECT_THROW(load_cached_kernel(dir.path()), InfraError);  // no bzImage
  write_file_atomic(dir.path() / "bzImage", "image");
  auto k = load_cached_kernel(dir.path());
  EXPECT_EQ(k.kernel, dir.path() / "bzImage");
  EXPECT_TRUE(k.config.empty());  // named, but not there
  EXPECT_TRUE(k.modules_dir.empty());
  write_file_atomic(dir.path() / "config", "# Linux/x86_64 7.2.13 Kernel Configuration\n");
  EXPECT_EQ(load_cached_kernel(dir.path()).config, dir.path() / "config");
}

}  // namespace
}  // namespace fuselab
