#include "image/rootfs_tarball.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "common/elapsed.h"
#include "common/error.h"
#include "common/hash.h"
#include "common/paths.h"
#include "common/stale_files.h"
#include "common/subprocess.h"
#include "image/apt_sources.h"
#include "image/artifacts.h"
#include "image/file_lock.h"

namespace fs = std::filesystem;

namespace fuselab {
namespace {

// Bump when the way the tarball is made changes (mmdebstrap options), to retire old caches.
constexpr const char* kRootfsVersion = "fuselab-rootfs-1";

}  // namespace

std::vector<std::string> mmdebstrap_argv(const ImageRecipe& recipe, const std::string& archive_uri,
                                         const fs::path& output) {
  std::vector<std::string> argv = {"mmdebstrap", "--variant=" + recipe.variant, "--components=main",
                                   "--format=tar"};
  if (!recipe.packages.empty()) {
    std::string include = "--include=";
    for (size_t i = 0; i < recipe.packages.size(); ++i) {
      include += (i ? "," : "") + recipe.packages[i];
    }
    argv.push_back(include);
  }
  // The guest is a throwaway test machine: no docs or apt lists to carry around.
  argv.push_back("--dpkgopt=path-exclude=/usr/share/doc/*");
  argv.push_back("--dpkgopt=path-exclude=/usr/share/man/*");
  argv.insert(argv.end(), {recipe.suite, output.string(), archive_uri});
  return argv;
}

RootfsTarball prepare_rootfs_tarball(const ImageRecipe& recipe) {
  auto key = sha256_hex(std::string(kRootfsVersion) + "\n" + recipe.canonical());
  auto dir = cache_dir() / "rootfs";
  auto tarball = dir / (key + ".tar");
  auto hash_file = dir / (key + ".tar.sha256");
  FileLock lock(dir / (key + ".lock"));
  if (fs::exists(tarball) && fs::exists(hash_file)) {
    spdlog::info("rootfs for {} is cached: {}", recipe.suite, tarball.string());
    return {tarball, read_file(hash_file)};
  }

  auto start = std::chrono::steady_clock::now();
  auto log = dir / (key + ".log");
  spdlog::info("building rootfs ({} {}, {} packages) with mmdebstrap; log {}", recipe.suite,
               recipe.variant, recipe.packages.size(), log.string());
  CommandOptions options;
  options.timeout = std::chrono::minutes(30);
  options.output_file = log;
  std::string sha;
  build_file_atomically(tarball, [&](const fs::path& partial) {
    run_checked(mmdebstrap_argv(recipe, debian_archive_uri(), partial), options, "mmdebstrap");
    sha = sha256_file(partial);
    // The hash file first: a tarball without one is rebuilt, never trusted.
    write_file_atomic(hash_file, sha);
  });
  spdlog::info("rootfs built in {:.1f} s ({} MiB): {}", seconds_since(start),
               fs::file_size(tarball) >> 20, tarball.string());
  return {tarball, sha};
}

}  // namespace fuselab
