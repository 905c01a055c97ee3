// Where fuselab keeps things outside the checkout, and scoped temporary directories.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace fuselab {

// $FUSELAB_CACHE_DIR, else $XDG_CACHE_HOME/fuselab, else ~/.cache/fuselab. Created on demand;
// a UserError when it cannot be created or written. Only commands that need the cache call it,
// so an unusable cache directory never stops `--help` or `plan`.
std::filesystem::path cache_dir();
// The same path, resolved without creating or checking anything.
std::filesystem::path cache_dir_path();
// Why `dir` cannot serve as the cache (after trying to create it), or nullopt when it can.
std::optional<std::string> cache_dir_problem(const std::filesystem::path& dir);

// Writes `content` to `path` atomically (temp file + rename), so a crash never leaves half a file
// that a later run would trust.
void write_file_atomic(const std::filesystem::path& path, const std::string& content);
std::string read_file(const std::filesystem::path& path);
// The file's contents, or empty when it is missing or unreadable (/proc entries that vanish,
// caches not written yet): for callers to whom absent and empty mean the same.
std::string read_file_or_empty(const std::filesystem::path& path);

// A directory removed with its contents when the object dies.
class TempDir {
 public:
  explicit TempDir(const std::filesystem::path& parent, const std::string& prefix);
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  TempDir(TempDir&& other) noexcept;
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  // Keeps the directory: it now belongs to the caller.
  std::filesystem::path release();

 private:
  std::filesystem::path path_;
};

}  // namespace fuselab
