#include "common/stale_files.h"

#include <unistd.h>

#include <chrono>
#include <fstream>

namespace fs = std::filesystem;

namespace fuselab {
namespace {

bool all_digits(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

std::optional<pid_t> to_pid(const std::string& digits) {
  if (!all_digits(digits) || digits.size() > 9) return std::nullopt;
  long v = std::stol(digits);
  if (v <= 1) return std::nullopt;
  return static_cast<pid_t>(v);
}

double age_s(const fs::path& p) {
  std::error_code ec;
  auto t = fs::last_write_time(p, ec);
  if (ec) return 0;
  return std::chrono::duration<double>(fs::file_time_type::clock::now() - t).count();
}

// Owner dead (or, without an owner, old) and nothing open inside: safe to delete.
bool is_junk(const fs::path& p, const std::string& prefix, long legacy_age_s) {
  auto pid = owner_pid(p.filename().string(), prefix);
  if (pid ? fuselab_alive(*pid) : age_s(p) < static_cast<double>(legacy_age_s)) return false;
  return !in_use_by_a_process(p);
}

void remove_into(const fs::path& p, std::vector<fs::path>& removed) {
  std::error_code ec;
  fs::remove_all(p, ec);
  if (!ec) removed.push_back(p);
}

}  // namespace

std::filesystem::path partial_path(const std::filesystem::path& file) {
  auto partial = file;
  partial += ".partial." + std::to_string(::getpid());
  return partial;
}

std::string owned_temp_prefix(const std::string& prefix) {
  return prefix + std::to_string(::getpid()) + "-";
}

std::optional<pid_t> owner_pid(const std::string& name, const std::string& prefix) {
  if (!prefix.empty() && name.starts_with(prefix)) {
    auto rest = name.substr(prefix.size());
    auto dash = rest.find('-');
    if (dash != std::string::npos) return to_pid(rest.substr(0, dash));
    return std::nullopt;
  }
  for (const char* marker : {".partial.", ".tmp."}) {
    auto at = name.rfind(marker);
    if (at != std::string::npos) return to_pid(name.substr(at + std::string(marker).size()));
  }
  return std::nullopt;
}

bool fuselab_alive(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
  std::string comm;
  if (!std::getline(in, comm)) return false;
  return comm.starts_with("fuselab");
}

bool in_use_by_a_process(const fs::path& dir) {
  std::error_code ec;
  const std::string root = fs::weakly_canonical(dir, ec).string();
  if (ec || root.empty()) return false;
  auto inside = [&](const fs::path& link) {
    std::error_code lec;
    std::string target = fs::read_symlink(link, lec).string();
    return !lec && (target == root || target.starts_with(root + "/"));
  };
  for (const auto& proc : fs::directory_iterator("/proc", ec)) {
    if (!all_digits(proc.path().filename().string())) continue;
    if (inside(proc.path() / "cwd")) return true;
    std::error_code fec;
    for (const auto& fd : fs::directory_iterator(proc.path() / "fd", fec)) {
      if (inside(fd.path())) return true;
    }
  }
  return false;
}

std::vector<fs::path> sweep_owned_dirs(const fs::path& parent, const std::string& prefix,
                                       long legacy_age_s) {
  std::vector<fs::path> removed;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(parent, ec)) {
    if (!e.is_directory(ec) || e.is_symlink(ec) ||
        !e.path().filename().string().starts_with(prefix))
      continue;
    if (is_junk(e.path(), prefix, legacy_age_s)) remove_into(e.path(), removed);
  }
  return removed;
}

std::vector<fs::path> sweep_cache_leftovers(const fs::path& cache) {
  std::vector<fs::path> removed;
  std::error_code ec;
  // Leftovers sit at most two levels down (images/x.partial.N, kernels/.fetch-N-x); kernel trees
  // below that are never walked.
  std::vector<fs::path> dirs = {cache};
  for (const auto& e : fs::directory_iterator(cache, ec)) {
    const auto name = e.path().filename().string();
    if (e.is_directory(ec) && !e.is_symlink(ec) && name != "libvirt" && name != "apt")
      dirs.push_back(e.path());
  }
  for (const auto& dir : dirs) {
    std::error_code dec;
    for (const auto& e : fs::directory_iterator(dir, dec)) {
      const auto name = e.path().filename().string();
      if (name.starts_with(".fetch-") || name.starts_with(".build-")) {
        const std::string prefix = name.substr(0, 7);
        // Unowned ones come from older versions; a day is longer than any fetch or build.
        if (e.is_directory(dec) && is_junk(e.path(), prefix, 24L * 3600))
          remove_into(e.path(), removed);
      } else if (name.find(".partial.") != std::string::npos ||
                 name.find(".tmp.") != std::string::npos) {
        auto pid = owner_pid(name, "");
        if (pid && !fuselab_alive(*pid)) remove_into(e.path(), removed);
      }
    }
  }
  return removed;
}

}  // namespace fuselab
