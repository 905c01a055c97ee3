// Where a built kernel's source comes from: Debian's `linux-source-X.Y` package (the one the
// suite's `linux-source` metapackage depends on) or a directory. Resolving is cheap (apt lists,
// git); materialising writes the tree into a work directory.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace fuselab {

struct KernelSourceInfo {
  // Stable across versions of the same source, so a work tree is reused: for a directory its
  // path; for Debian the package and version (a new version is a new tree anyway).
  std::string location;
  std::string identity;     // exact content: package version, or git HEAD + diff hash
  std::string version;      // short: "7.2.13-1", "a1b2c3d4e5f6-dirty"
  std::string description;  // "linux-source-7.2 7.2.13-1 from sid"
  std::string debian_suite, debian_package;  // Debian only
  std::filesystem::path dir;                 // directory only
};

// The `linux-source-X.Y` a `linux-source` Depends field names, e.g.
// "linux-source-7.2 (= 7.2.13-1)" -> "linux-source-7.2".
std::optional<std::string> linux_source_package(const std::string& depends);

// Newest linux-source of `suite`. UserError when the suite or the package does not exist.
KernelSourceInfo resolve_debian_source(const std::string& suite);
// A directory's identity: git HEAD, hash of `git diff HEAD` and of untracked files; for a tree
// that is not a git checkout (a warning), a hash of every file.
KernelSourceInfo resolve_dir_source(const std::filesystem::path& dir);

// Downloads and unpacks the Debian source into `dest` (which must not exist). `log` gets the
// tools' output.
void unpack_debian_source(const KernelSourceInfo& source, const std::filesystem::path& dest,
                          const std::filesystem::path& log);
// Copies the directory's files into `dest` by content: unchanged files keep their mtime in
// `dest`, so make rebuilds only what changed; changed files get a new one. After the first sync
// only files whose stamp changed since the last one are compared (image/source_manifest.h), and
// files gone from the directory are removed from `dest`.
void sync_dir_source(const KernelSourceInfo& source, const std::filesystem::path& dest,
                     const std::filesystem::path& log);

}  // namespace fuselab
