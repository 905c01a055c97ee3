#include "image/source_manifest.h"

#include <sys/stat.h>

#include <charconv>

namespace fuselab {
namespace {

std::uint64_t nanoseconds(const struct timespec& t) {
  return static_cast<std::uint64_t>(t.tv_sec) * 1'000'000'000u +
         static_cast<std::uint64_t>(t.tv_nsec);
}

}  // namespace

SourceManifest stamp_files(const std::filesystem::path& dir,
                           const std::vector<std::string>& files) {
  SourceManifest manifest;
  for (const auto& file : files) {
    struct stat st {};
    if (::lstat((dir / file).c_str(), &st) != 0) continue;
    manifest[file] = {static_cast<std::uint64_t>(st.st_size), nanoseconds(st.st_mtim),
                      nanoseconds(st.st_ctim), static_cast<std::uint64_t>(st.st_ino)};
  }
  return manifest;
}

std::string manifest_text(const SourceManifest& manifest) {
  std::string text;
  for (const auto& [path, s] : manifest) {
    text += path;
    text += '\0';
    text += std::to_string(s.size) + ' ' + std::to_string(s.mtime_ns) + ' ' +
            std::to_string(s.ctime_ns) + ' ' + std::to_string(s.inode);
    text += '\0';
  }
  return text;
}

std::optional<SourceManifest> parse_manifest(std::string_view text) {
  SourceManifest manifest;
  while (!text.empty()) {
    auto path_end = text.find('\0');
    if (path_end == 0 || path_end == std::string_view::npos) return std::nullopt;
    auto path = text.substr(0, path_end);
    text.remove_prefix(path_end + 1);
    auto stamp_end = text.find('\0');
    if (stamp_end == std::string_view::npos) return std::nullopt;
    auto stamp = text.substr(0, stamp_end);
    text.remove_prefix(stamp_end + 1);
    FileStamp s;
    const char* p = stamp.data();
    const char* end = stamp.data() + stamp.size();
    for (std::uint64_t* field : {&s.size, &s.mtime_ns, &s.ctime_ns, &s.inode}) {
      auto [next, ec] = std::from_chars(p, end, *field);
      if (ec != std::errc() || next == p) return std::nullopt;
      p = next;
      if (p < end) {
        if (*p != ' ') return std::nullopt;
        ++p;
      }
    }
    if (p != end) return std::nullopt;
    if (!manifest.emplace(std::string(path), s).second) return std::nullopt;  // a path twice
  }
  return manifest;
}

ManifestChanges manifest_changes(const SourceManifest& before, const SourceManifest& now) {
  ManifestChanges changes;
  for (const auto& [path, stamp] : now) {
    auto it = before.find(path);
    if (it == before.end() || !(it->second == stamp)) changes.changed.push_back(path);
  }
  for (const auto& [path, stamp] : before) {
    if (!now.contains(path)) changes.removed.push_back(path);
  }
  return changes;
}

}  // namespace fuselab
