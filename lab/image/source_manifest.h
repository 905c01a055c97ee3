// What a directory kernel source looked like at its last sync into the work tree: per file its
// size, mtime, ctime and inode. The next sync compares the tree against it and copies only the
// files whose stamp changed, instead of checksumming all ~90k files of a kernel tree on both
// sides (rsync --checksum read 2 x 1.3 GB for a one-line edit). ctime cannot be set back by a
// user, so a file rewritten with its old mtime still counts as changed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fuselab {

struct FileStamp {
  std::uint64_t size = 0, mtime_ns = 0, ctime_ns = 0, inode = 0;
  bool operator==(const FileStamp&) const = default;
};

using SourceManifest = std::map<std::string, FileStamp>;  // relative path -> stamp

// Stamps of `files` (relative to `dir`); a file that vanished meanwhile is left out.
SourceManifest stamp_files(const std::filesystem::path& dir, const std::vector<std::string>& files);

// One record per file: the path, NUL, four decimal numbers, NUL. Paths may hold any byte but NUL.
std::string manifest_text(const SourceManifest& manifest);
// nullopt for a text that is not manifest_text()'s (a torn or foreign file: sync everything).
std::optional<SourceManifest> parse_manifest(std::string_view text);

struct ManifestChanges {
  std::vector<std::string> changed;  // new, or a different stamp
  std::vector<std::string> removed;  // in `before` only
};
ManifestChanges manifest_changes(const SourceManifest& before, const SourceManifest& now);

}  // namespace fuselab
