#include "cli/cache_command.h"

#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/paths.h"
#include "image/cache_inventory.h"
#include "run/disk_space.h"

namespace fs = std::filesystem;

namespace fuselab {
namespace {

std::string age_text(fs::file_time_type t) {
  if (t == fs::file_time_type::min()) return "?";
  double s = std::chrono::duration<double>(fs::file_time_type::clock::now() - t).count();
  if (s < 120) return fmt::format("{:.0f} s ago", s);
  if (s < 7200) return fmt::format("{:.0f} min ago", s / 60);
  if (s < 172800) return fmt::format("{:.0f} h ago", s / 3600);
  return fmt::format("{:.0f} days ago", s / 86400);
}

std::string row(const CacheEntry& e) {
  return fmt::format("{:<12} {:>10}  {:<14} {:<6} {}", e.kind, human_size(e.size_bytes),
                     age_text(e.last_used), e.in_use ? "yes" : "", e.path.string());
}

int list_entries(bool as_json) {
  const fs::path cache = cache_dir();
  auto entries = list_cache_entries(cache);
  std::uint64_t total = 0;
  for (const auto& e : entries) total += e.size_bytes;
  if (as_json) {
    auto out = nlohmann::json::array();
    for (const auto& e : entries) {
      out.push_back({{"kind", e.kind},
                     {"path", e.path.string()},
                     {"size_bytes", e.size_bytes},
                     {"in_use", e.in_use}});
    }
    std::cout << nlohmann::json{{"cache", cache.string()}, {"total_bytes", total}, {"entries", out}}
                     .dump(2)
              << "\n";
    return 0;
  }
  std::cout << fmt::format("{:<12} {:>10}  {:<14} {:<6} {}\n", "KIND", "SIZE", "LAST USED",
                           "IN USE", "PATH");
  for (const auto& e : entries) std::cout << row(e) << "\n";
  std::cout << fmt::format("{} entries, {} in {}\n", entries.size(), human_size(total),
                           cache.string());
  return 0;
}

}  // namespace

CacheCommand::CacheCommand(CLI::App& app) {
  cache_ = app.add_subcommand("cache", "show the artifact cache or trim it to a size budget");
  cache_->require_subcommand(1);
  list_ = cache_->add_subcommand(
      "list", "every cached kernel, work tree, image, rootfs, initramfs: size, last use");
  list_->add_flag("--json", json_, "print them as JSON");
  gc_ = cache_->add_subcommand(
      "gc", "remove least recently used entries not in use until the cache fits the budget");
  gc_->add_option("--budget", budget_, "size to keep at most, e.g. 20G or 500M")
      ->capture_default_str();
  gc_->add_flag("--dry-run", dry_run_, "say what would be removed, remove nothing");
}

int CacheCommand::run() const {
  if (list_->parsed()) return list_entries(json_);
  const std::uint64_t budget = parse_size(budget_, "--budget");
  GcResult r = collect_garbage(cache_dir(), budget, dry_run_);
  for (const auto& e : r.removed)
    std::cout << (dry_run_ ? "would remove " : "removed ") << row(e) << "\n";
  for (const auto& e : r.kept_in_use) std::cout << "kept (in use) " << row(e) << "\n";
  std::cout << fmt::format("{} {} in {} entries; cache {} -> {} (budget {})\n",
                           dry_run_ ? "would free" : "freed", human_size(r.freed_bytes),
                           r.removed.size(), human_size(r.total_before), human_size(r.total_after),
                           human_size(budget));
  // Still over budget only because of entries in use: say so, but it is not an error.
  if (r.total_after > budget) std::cout << "still over budget: the rest is in use\n";
  return 0;
}

}  // namespace fuselab
