#include "image/kernel_build.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>

#include "common/elapsed.h"
#include "common/error.h"
#include "common/hash.h"
#include "common/paths.h"
#include "common/stale_files.h"
#include "image/file_lock.h"
#include "image/kernel_config.h"
#include "image/kernel_debug.h"
#include "image/kernel_meta.h"
#include "image/kernel_source.h"
#include "image/kernel_steps.h"

namespace fs = std::filesystem;

namespace fuselab {
namespace {

constexpr const char* kSourceStamp = ".fuselab-source-ready";

fs::path resolve_named(const std::string& name, const fs::path& dir, const std::string& ext,
                       const std::string& what) {
  fs::path path = name.starts_with("/") ? fs::path(name) : dir / (name + ext);
  if (fs::is_regular_file(path)) return path;
  std::string known;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ext)
      known += (known.empty() ? "" : ", ") + e.path().stem().string();
  }
  throw UserError(
      what + " '" + name + "' does not exist (no " + path.string() + ")",
      "known: " + (known.empty() ? std::string("none") : known) + "; or give an absolute path");
}

NamedTexts read_all(const std::vector<fs::path>& files) {
  NamedTexts texts;
  for (const auto& f : files) texts.emplace_back(f.filename().string(), read_file(f));
  return texts;
}

void hash_texts(Sha256& hash, const std::string& kind, const NamedTexts& texts) {
  // Contents only, in order: renaming a fragment does not rebuild; reordering does (later wins).
  for (const auto& [name, text] : texts)
    hash.update(kind).update(" ").update(sha256_hex(text)).update("\n");
}

// Reverts the work tree's patches when the build ends, whatever way it ends.
struct RevertOnExit {
  fs::path src, applied;
  BuildLog& log;
  ~RevertOnExit() {
    try {
      revert_patches(src, applied, log);
    } catch (const std::exception& e) {
      spdlog::error("{}", e.what());
    }
  }
};

void materialize_source(const KernelSourceInfo& source, const fs::path& work, BuildLog& log) {
  auto src = work / "src";
  if (!source.dir.empty()) {
    log.note("[fuselab] sync " + source.dir.string() + " -> " + src.string());
    try {
      sync_dir_source(source, src, log.step_file());
      log.commit_step("fetch");
    } catch (const InfraError& e) {
      log.commit_step("fetch");
      fail_step("fetch", e.what(), log, true);
    }
    return;
  }
  if (fs::exists(work / kSourceStamp)) return;
  fs::remove_all(src);  // a tree an interrupted unpack left
  log.note("[fuselab] fetch and unpack " + source.description);
  try {
    auto start = std::chrono::steady_clock::now();
    spdlog::info("fetching and unpacking {}", source.description);
    unpack_debian_source(source, src, log.step_file());
    log.commit_step("unpack");
    spdlog::info("unpacked {} in {:.0f} s", source.description, seconds_since(start));
  } catch (const InfraError& e) {
    log.commit_step("unpack");
    fail_step("fetch/unpack", e.what(), log, true);
  }
  write_file_atomic(work / kSourceStamp, source.identity + "\n");
}

// A config with debug info (the debug-info fragment): the entry keeps vmlinux, for gdb, crash
// and drgn, and the gdb scripts with their links resolved (the work tree is not the entry's).
void keep_debug_files(const fs::path& obj, const fs::path& out) {
  auto config = parse_kconfig(read_file(obj / ".config"));
  auto set = [&](const char* option) { return config.contains(option) && config[option] == "y"; };
  if (set("CONFIG_DEBUG_INFO")) fs::copy_file(obj / "vmlinux", out / kVmlinuxFile);
  if (set("CONFIG_GDB_SCRIPTS") && fs::exists(obj / "vmlinux-gdb.py")) {
    fs::copy_file(fs::canonical(obj / "vmlinux-gdb.py"), out / kGdbScriptFile);
    fs::create_directories(out / "scripts");
    fs::copy(obj / "scripts/gdb", out / "scripts/gdb", fs::copy_options::recursive);
  }
}

KernelArtifacts build_into_cache(const KernelBuildRequest& request, const KernelBuildInputs& inputs,
                                 const KernelSourceInfo& source, const std::string& key,
                                 const fs::path& work, const fs::path& final_dir) {
  auto start = std::chrono::steady_clock::now();
  BuildLog log(work / "logs" / (key.substr(0, 16) + ".log"));
  log.note("[fuselab] " + request.value + ": " + source.description + ", key " + key);
  materialize_source(source, work, log);
  auto src = work / "src", obj = work / "obj", applied = work / "applied";
  revert_patches(src, applied, log);  // left by a build that was killed
  {
    RevertOnExit revert{src, applied, log};
    apply_patches(src, inputs.patches, applied, source.description, log);
    configure_kernel(src, obj, inputs.configs, log);
    make_kernel(src, obj, request.value, log);
    if (parse_kconfig(read_file(obj / ".config"))["CONFIG_GDB_SCRIPTS"] == "y")
      make_gdb_scripts(src, obj, log);
  }
  auto release_file = obj / "include/config/kernel.release";
  auto bzimage = obj / "arch/x86/boot/bzImage";
  if (!fs::exists(release_file) || !fs::exists(bzimage))
    fail_step("make", "make finished without a bzImage and kernel.release", log);
  auto release = read_file(release_file);
  while (!release.empty() && (release.back() == '\n' || release.back() == ' ')) release.pop_back();

  // Assembled under a temporary name and renamed: an interrupted build leaves nothing trusted.
  TempDir out(final_dir.parent_path(), owned_temp_prefix(".build-"));
  fs::copy_file(bzimage, out.path() / "bzImage");
  fs::copy_file(obj / ".config", out.path() / "config");
  keep_debug_files(obj, out.path());
  double seconds = seconds_since(start);
  KernelMeta meta;
  meta.kind = "build";
  meta.value = request.value;
  meta.source = request.value + " (" + source.description + ")";
  meta.version = source.version;
  meta.release = release;
  meta.kernel = "bzImage";
  meta.config = "config";
  meta.fragments = request.fragments;
  meta.patches = request.patches;
  meta.key = key;
  meta.build_seconds = std::round(seconds);
  write_kernel_meta(out.path(), meta);
  log.note("[fuselab] done in " + std::to_string(static_cast<int>(seconds)) + " s");
  fs::copy_file(log.path(), out.path() / "build.log");
  fs::rename(out.path(), final_dir);
  out.release();
  spdlog::info("kernel {} ({}) built in {:.0f} s: {}", release, request.value, seconds,
               final_dir.string());
  return load_cached_kernel(final_dir);
}

}  // namespace

KernelBuildInputs resolve_build_inputs(const KernelBuildRequest& request, const fs::path& repo) {
  auto config_dir = repo / "images/kernel/config";
  auto patch_dir = repo / "images/kernel/patches";
  KernelBuildInputs inputs;
  inputs.configs.push_back(resolve_named("base", config_dir, ".config", "config fragment"));
  for (const auto& f : request.fragments)
    inputs.configs.push_back(resolve_named(f, config_dir, ".config", "config fragment"));
  for (const auto& p : request.patches)
    inputs.patches.push_back(resolve_named(p, patch_dir, ".patch", "patch"));
  return inputs;
}

std::string kernel_work_key(const std::string& source_location, const NamedTexts& configs) {
  Sha256 hash;
  hash.update(kKernelBuilderVersion).update("\nsource ").update(source_location).update("\n");
  hash_texts(hash, "config", configs);
  return hash.hex();
}

std::string kernel_build_key(const std::string& source_identity, const NamedTexts& configs,
                             const NamedTexts& patches) {
  Sha256 hash;
  hash.update(kKernelBuilderVersion).update("\nsource ").update(source_identity).update("\n");
  hash_texts(hash, "config", configs);
  hash_texts(hash, "patch", patches);
  return hash.hex();
}

KernelArtifacts build_kernel(const KernelBuildRequest& request, const fs::path& repo) {
  auto inputs = resolve_build_inputs(request, repo);
  auto configs = read_all(inputs.configs);
  auto patches = read_all(inputs.patches);
  KernelSourceInfo source;
  if (!request.debian_suite.empty()) {
    source = resolve_debian_source(request.debian_suite);
  } else {
    if (!fs::is_directory(request.source_dir))
      throw UserError("kernel source directory '" + request.source_dir.string() +
                      "' does not exist");
    source = resolve_dir_source(request.source_dir);
  }
  auto key = kernel_build_key(source.identity, configs, patches);
  auto kernels = cache_dir() / "kernels";
  auto final_dir = kernels / ("build-" + key.substr(0, 16));
  if (fs::exists(final_dir / "meta.json")) {
    spdlog::info("kernel {} is cached in {}", request.value, final_dir.string());
    return load_cached_kernel(final_dir);
  }
  auto work_key = kernel_work_key(source.location, configs).substr(0, 16);
  auto work = kernels / "work" / work_key;
  fs::create_directories(work);
  spdlog::info(
      "building kernel {} from {} in {} (another build of this source and config waits "
      "for this one)",
      request.value, source.description, work.string());
  FileLock lock(kernels / "work" / (work_key + ".lock"));
  if (fs::exists(final_dir / "meta.json")) return load_cached_kernel(final_dir);
  return build_into_cache(request, inputs, source, key, work, final_dir);
}

}  // namespace fuselab
