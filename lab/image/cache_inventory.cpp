#include "image/cache_inventory.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "common/error.h"
#include "common/stale_files.h"
#include "image/file_lock.h"

namespace fs = std::filesystem;

namespace fuselab {
namespace {

fs::file_time_type access_time(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return fs::file_time_type::min();
  // file_time_type's clock is not system_clock everywhere: go through the mtime it reports.
  std::error_code ec;
  auto mtime = fs::last_write_time(p, ec);
  if (ec) return fs::file_time_type::min();
  auto delta = std::chrono::seconds(st.st_atim.tv_sec - st.st_mtim.tv_sec) +
               std::chrono::nanoseconds(st.st_atim.tv_nsec - st.st_mtim.tv_nsec);
  return std::max(mtime, mtime + std::chrono::duration_cast<fs::file_time_type::duration>(delta));
}

std::uint64_t size_of(const fs::path& p) {
  std::error_code ec;
  if (fs::is_symlink(p, ec)) return 0;
  if (!fs::is_directory(p, ec)) {
    auto s = fs::file_size(p, ec);
    return ec ? 0 : s;
  }
  std::uint64_t total = 0;
  for (auto it =
           fs::recursive_directory_iterator(p, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_regular_file(ec) && !it->is_symlink(ec)) total += it->file_size(ec);
  }
  return total;
}

// Some run holds a shared flock on it (hold_in_use()).
bool held_by_a_run(const fs::path& file) {
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return false;
  return ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
}

bool open_by_a_process(const fs::path& p) { return in_use_by_a_process(p); }

void finish(CacheEntry& e, const std::vector<fs::path>& use_files) {
  for (const auto& f : e.files) e.size_bytes += size_of(f);
  // min(), not {}: libstdc++'s file clock has its epoch in 2174, so {} is later than any file.
  e.last_used = fs::file_time_type::min();
  for (const auto& f : use_files.empty() ? e.files : use_files)
    e.last_used = std::max(e.last_used, access_time(f));
  e.in_use = (!e.lock.empty() && FileLock::held(e.lock));
  for (const auto& f : use_files) e.in_use = e.in_use || held_by_a_run(f);
  for (const auto& f : e.files) e.in_use = e.in_use || open_by_a_process(f);
}

bool is_temporary(const std::string& name) {
  return name.starts_with(".") || name.find(".partial.") != std::string::npos ||
         name.find(".tmp.") != std::string::npos;
}

// dir/<key><ext> files with a builder lock dir/<key>.lock and siblings dir/<key><suffix>.
void add_keyed_files(const fs::path& dir, const std::string& kind, const std::string& ext,
                     const std::vector<std::string>& siblings, std::vector<CacheEntry>& out) {
  std::error_code ec;
  for (const auto& f : fs::directory_iterator(dir, ec)) {
    const std::string name = f.path().filename().string();
    if (is_temporary(name) || !name.ends_with(ext) || !f.is_regular_file(ec)) continue;
    const std::string key = name.substr(0, name.size() - ext.size());
    CacheEntry e{kind, f.path(), {f.path()}, dir / (key + ".lock")};
    for (const auto& s : siblings) {
      if (fs::exists(dir / (key + s))) e.files.push_back(dir / (key + s));
    }
    finish(e, {f.path()});
    out.push_back(std::move(e));
  }
}

}  // namespace

std::vector<CacheEntry> list_cache_entries(const fs::path& cache) {
  std::vector<CacheEntry> out;
  std::error_code ec;
  const fs::path kernels = cache / "kernels";
  for (const auto& d : fs::directory_iterator(kernels, ec)) {
    const std::string name = d.path().filename().string();
    if (is_temporary(name) || !d.is_directory(ec) || name == "work") continue;
    if (!fs::exists(d.path() / "meta.json")) continue;
    CacheEntry e{"kernel", d.path(), {d.path()}, {}};
    // The boot image a run holds: bzImage (built) or boot/vmlinuz-* (Debian).
    std::vector<fs::path> use;
    if (fs::exists(d.path() / "bzImage")) use.push_back(d.path() / "bzImage");
    std::error_code bec;
    for (const auto& b : fs::directory_iterator(d.path() / "boot", bec)) {
      if (b.path().filename().string().starts_with("vmlinuz")) use.push_back(b.path());
    }
    finish(e, use);
    out.push_back(std::move(e));
  }
  for (const auto& d : fs::directory_iterator(kernels / "work", ec)) {
    if (!d.is_directory(ec) || is_temporary(d.path().filename().string())) continue;
    CacheEntry e{"kernel-work",
                 d.path(),
                 {d.path()},
                 kernels / "work" / (d.path().filename().string() + ".lock")};
    // A build writes its name into the lock file: its mtime is the tree's last use. Walking a
    // 2 GB tree for the newest file would cost more than the listing is worth.
    finish(e, {fs::exists(e.lock) ? e.lock : d.path()});
    out.push_back(std::move(e));
  }
  add_keyed_files(cache / "images", "image", ".qcow2", {}, out);
  add_keyed_files(cache / "rootfs", "rootfs", ".tar", {".tar.sha256", ".log"}, out);
  add_keyed_files(cache / "initramfs", "initramfs", ".cpio.gz", {}, out);
  for (const auto& d : fs::directory_iterator(cache / "guestfs", ec)) {
    if (!d.is_directory(ec)) continue;
    CacheEntry e{"appliance", d.path(), {d.path()}, {}};
    finish(e, {});
    out.push_back(std::move(e));
  }
  std::stable_sort(out.begin(), out.end(), [](const CacheEntry& a, const CacheEntry& b) {
    return a.last_used < b.last_used;
  });
  return out;
}

GcResult collect_garbage(const fs::path& cache, std::uint64_t budget_bytes, bool dry_run) {
  GcResult r;
  auto entries = list_cache_entries(cache);
  for (const auto& e : entries) r.total_before += e.size_bytes;
  std::uint64_t total = r.total_before;
  for (auto& e : entries) {
    if (total <= budget_bytes) break;
    if (e.in_use) {
      r.kept_in_use.push_back(e);
      continue;
    }
    if (!dry_run) {
      // Under its builder's lock, so no run starts building or reading it meanwhile.
      std::optional<FileLock> lock;
      if (!e.lock.empty()) {
        lock = FileLock::try_lock(e.lock);
        if (!lock) {
          r.kept_in_use.push_back(e);
          continue;
        }
      }
      std::error_code ec;
      for (const auto& f : e.files) fs::remove_all(f, ec);
      // The lock file stays: a waiter may have it open, and a new one would be a second lock.
      if (ec) continue;
    }
    total -= e.size_bytes;
    r.freed_bytes += e.size_bytes;
    r.removed.push_back(e);
  }
  r.total_after = total;
  return r;
}

std::uint64_t parse_size(const std::string& text, const std::string& what) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  std::string unit(end, text.data() + text.size());
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (unit.ends_with("IB"))
    unit.erase(unit.size() - 2);
  else if (unit.ends_with("B"))
    unit.pop_back();
  int shift = unit.empty()  ? 0
              : unit == "K" ? 10
              : unit == "M" ? 20
              : unit == "G" ? 30
              : unit == "T" ? 40
                            : -1;
  if (ec != std::errc() || shift < 0 || !(value >= 0) || value * std::pow(2.0, shift) > 1e18) {
    throw UserError(what + ": '" + text + "' is not a size", "write it like 500M, 20G or 1.5TiB");
  }
  return static_cast<std::uint64_t>(value * std::pow(2.0, shift));
}

UniqueFd hold_in_use(const fs::path& file) {
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return fd;
  if (::flock(fd.get(), LOCK_SH | LOCK_NB) != 0)
    return UniqueFd();  // gc is removing it: the run fails on its own
  struct timespec times[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
  ::futimens(fd.get(), times);
  return fd;
}

}  // namespace fuselab
