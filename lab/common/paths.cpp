#include "common/paths.h"

#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "common/error.h"

namespace fs = std::filesystem;

namespace fuselab {

fs::path cache_dir_path() {
  if (const char* env = std::getenv("FUSELAB_CACHE_DIR"); env && *env) return env;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return fs::path(xdg) / "fuselab";
  const char* home = std::getenv("HOME");
  return fs::path(home && *home ? home : "/root") / ".cache" / "fuselab";
}

std::optional<std::string> cache_dir_problem(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return "cannot create it: " + ec.message();
  if (!fs::is_directory(dir, ec)) return "it is not a directory";
  if (::access(dir.c_str(), W_OK | X_OK) != 0) return "it is not writable: " + errno_text(errno);
  return std::nullopt;
}

fs::path cache_dir() {
  fs::path dir = cache_dir_path();
  if (auto problem = cache_dir_problem(dir)) {
    throw UserError("cache directory '" + dir.string() + "' is unusable: " + *problem,
                    "set FUSELAB_CACHE_DIR (or XDG_CACHE_HOME) to a writable directory");
  }
  return dir;
}

void write_file_atomic(const fs::path& path, const std::string& content) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  auto tmp = path;
  tmp += ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out.flush()) throw InfraError("cannot write " + tmp.string());
  }
  fs::rename(tmp, path);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError("cannot read " + path.string() + ": " + errno_text(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string read_file_or_empty(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TempDir::TempDir(const fs::path& parent, const std::string& prefix) {
  fs::create_directories(parent);
  std::string templ = (parent / (prefix + "XXXXXX")).string();
  if (!::mkdtemp(templ.data())) throw InfraError("mkdtemp " + templ + ": " + errno_text(errno));
  path_ = templ;
}

TempDir::TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
}

fs::path TempDir::release() {
  auto p = path_;
  path_.clear();
  return p;
}

}  // namespace fuselab
