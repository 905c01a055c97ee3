#include "image/kernel_source.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <sstream>

#include "common/elapsed.h"
#include "common/error.h"
#include "common/hash.h"
#include "common/paths.h"
#include "common/stale_files.h"
#include "common/subprocess.h"
#include "image/apt_sources.h"
#include "image/private_apt.h"
#include "image/source_manifest.h"

namespace fs = std::filesystem;

namespace fuselab {
namespace {

constexpr std::chrono::hours kAptListsMaxAge{6};

CommandResult git(const fs::path& dir, std::vector<std::string> args) {
  std::vector<std::string> argv = {"git", "-C", dir.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandOptions options;
  options.timeout = std::chrono::minutes(2);
  options.capture_limit = 256u << 20;  // a diff of a big series can be large
  return run_command(argv, options, "git");
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// NUL-separated `git ls-files` output -> paths that exist (a deleted tracked file is listed too).
std::vector<std::string> existing_files(const fs::path& dir, const std::string& nul_list) {
  std::vector<std::string> files;
  std::string item;
  std::istringstream in(nul_list);
  while (std::getline(in, item, '\0')) {
    if (!item.empty() && fs::is_regular_file(fs::symlink_status(dir / item))) files.push_back(item);
  }
  return files;
}

// Every file of a tree that is not a git checkout (relative paths, sorted).
std::vector<std::string> all_files(const fs::path& dir) {
  std::vector<std::string> files;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
       ++it) {
    if (it->is_symlink() || it->is_regular_file())
      files.push_back(fs::relative(it->path(), dir).string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

bool is_git_tree(const fs::path& dir) {
  return git(dir, {"rev-parse", "--is-inside-work-tree"}).ok();
}

// The files a build needs: tracked and untracked-but-not-ignored (never build outputs of an
// in-tree build, whose .config would make `make O=` refuse the tree).
std::vector<std::string> source_files(const fs::path& dir) {
  if (!is_git_tree(dir)) return all_files(dir);
  auto r = git(dir, {"ls-files", "-z", "--cached", "--others", "--exclude-standard"});
  if (!r.ok()) throw InfraError("git ls-files in " + dir.string() + " failed: " + r.err);
  return existing_files(dir, r.out);
}

}  // namespace

std::optional<std::string> linux_source_package(const std::string& depends) {
  return first_dependency_with_prefix(depends, "linux-source-");
}

KernelSourceInfo resolve_debian_source(const std::string& suite) {
  auto archive = find_debian_archive();
  PrivateApt apt(cache_dir() / "apt" / suite, archive.uri, suite);
  try {
    apt.update(kAptListsMaxAge);
  } catch (const InfraError& e) {
    // A suite the archive does not have is the user's typo, not the network failing.
    if (std::string(e.what()).find("does not have a Release file") != std::string::npos) {
      throw UserError("Debian suite '" + suite + "' does not exist in the archive " + archive.uri,
                      "use a suite such as bookworm, trixie or sid");
    }
    throw;
  }
  std::string depends;
  try {
    depends = apt.show_field("linux-source", "Depends");
  } catch (const InfraError&) {
    throw UserError("suite " + suite + " has no package linux-source",
                    "linux-source is in main from bookworm on; try build:debian:sid");
  }
  auto package = linux_source_package(depends);
  if (!package) {
    throw UserError("package linux-source of suite " + suite +
                    " depends on no linux-source-X.Y package (Depends: " + depends + ")");
  }
  KernelSourceInfo info;
  info.debian_suite = suite;
  info.debian_package = *package;
  info.version = apt.show_field(*package, "Version");
  info.location = "debian " + *package + " " + info.version;
  info.identity = info.location;
  info.description = *package + " " + info.version + " from " + suite;
  return info;
}

KernelSourceInfo resolve_dir_source(const fs::path& dir) {
  KernelSourceInfo info;
  info.dir = fs::canonical(dir);
  info.location = "dir " + info.dir.string();
  if (is_git_tree(info.dir)) {
    auto head = git(info.dir, {"rev-parse", "HEAD"});
    if (!head.ok()) throw UserError("git rev-parse HEAD failed in " + dir.string(), head.err);
    auto diff = git(info.dir, {"diff", "HEAD", "--binary"});
    auto untracked = git(info.dir, {"ls-files", "-z", "--others", "--exclude-standard"});
    Sha256 extra;
    for (const auto& file : existing_files(info.dir, untracked.out)) {
      extra.update(file).update("\n").update(sha256_file(info.dir / file)).update("\n");
    }
    auto head_id = trim(head.out);
    bool dirty = !diff.out.empty() || !untracked.out.empty();
    info.identity =
        "git " + head_id + " diff " + sha256_hex(diff.out) + " untracked " + extra.hex();
    info.version = head_id.substr(0, 12) + (dirty ? "-dirty" : "");
  } else {
    spdlog::warn(
        "{} is not a git checkout: its identity is a hash of every file, which takes a "
        "while on a kernel tree",
        dir.string());
    Sha256 all;
    for (const auto& file : all_files(info.dir)) {
      all.update(file).update("\n").update(sha256_file(info.dir / file)).update("\n");
    }
    info.identity = "files " + all.hex();
    info.version = "files-" + info.identity.substr(6, 12);
  }
  info.description = info.dir.string() + " at " + info.version;
  return info;
}

void unpack_debian_source(const KernelSourceInfo& source, const fs::path& dest,
                          const fs::path& log) {
  auto archive = find_debian_archive();
  PrivateApt apt(cache_dir() / "apt" / source.debian_suite, archive.uri, source.debian_suite);
  TempDir work(dest.parent_path(), owned_temp_prefix(".fetch-"));
  auto deb = apt.download(source.debian_package, source.version, work.path() / "deb");
  CommandOptions options;
  options.timeout = std::chrono::minutes(10);
  options.output_file = log;
  run_checked({"dpkg-deb", "-x", deb.string(), (work.path() / "x").string()}, options, "dpkg");
  fs::remove(deb);
  fs::path tarball;
  for (const auto& e : fs::directory_iterator(work.path() / "x/usr/src")) {
    auto name = e.path().filename().string();
    if (name.starts_with("linux-source-") && name.find(".tar.") != std::string::npos)
      tarball = e.path();
  }
  if (tarball.empty())
    throw InfraError(source.debian_package + " has no usr/src/linux-source-*.tar.* in it");
  auto tree = work.path() / "tree";
  fs::create_directories(tree);
  run_checked({"tar", "-xf", tarball.string(), "-C", tree.string(), "--strip-components=1"},
              options, "tar");
  fs::rename(tree, dest);
}

namespace {

// A manifest's path that stays inside the tree it names (the manifest is ours, but a torn or
// edited one must not remove files elsewhere).
bool inside_tree(const std::string& relative) {
  fs::path p(relative);
  if (p.is_absolute()) return false;
  return std::none_of(p.begin(), p.end(), [](const fs::path& part) { return part == ".."; });
}

}  // namespace

void sync_dir_source(const KernelSourceInfo& source, const fs::path& dest, const fs::path& log) {
  auto start = std::chrono::steady_clock::now();
  const bool had_tree = fs::exists(dest);
  fs::create_directories(dest);
  const auto files = source_files(source.dir);
  const SourceManifest now = stamp_files(source.dir, files);
  const auto manifest_file = dest.parent_path() / "source-manifest";
  std::optional<SourceManifest> before;
  if (had_tree) before = parse_manifest(read_file_or_empty(manifest_file));
  std::vector<std::string> to_copy = files;
  size_t removed = 0;
  if (before) {
    auto changes = manifest_changes(*before, now);
    to_copy = std::move(changes.changed);
    for (const auto& gone : changes.removed) {
      std::error_code ec;
      if (inside_tree(gone) && fs::remove(dest / gone, ec)) ++removed;
    }
  }
  // Gone until the copy has finished: a sync that dies half-way copies everything next time.
  fs::remove(manifest_file);
  if (!to_copy.empty()) {
    std::string list;
    for (const auto& file : to_copy) list += file + '\0';
    auto list_file = dest.parent_path() / "source-files";
    write_file_atomic(list_file, list);
    // By checksum and without -t: a file whose content is unchanged is left alone (make sees
    // no change); a changed one gets the current time (make rebuilds it), even if the checkout
    // gave it an older mtime than the object built from the last version.
    CommandOptions options;
    options.timeout = std::chrono::minutes(10);
    options.output_file = log;
    run_checked({"rsync", "-lpD", "--checksum", "--from0", "--files-from=" + list_file.string(),
                 source.dir.string() + "/", dest.string() + "/"},
                options, "rsync");
  }
  write_file_atomic(manifest_file, manifest_text(now));
  spdlog::info("synced {}: {} of {} files changed{} in {:.1f} s", source.dir.string(),
               to_copy.size(), files.size(),
               removed ? fmt::format(", {} removed", removed) : std::string(),
               seconds_since(start));
}

}  // namespace fuselab
