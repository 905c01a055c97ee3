// `fuselab cache list|gc`: what the artifact cache holds, and trimming it to a size budget.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace fuselab {

class CacheCommand {
 public:
  // Registers the subcommand and its actions on `app`.
  explicit CacheCommand(CLI::App& app);
  bool selected() const { return cache_->parsed(); }
  int run() const;

 private:
  CLI::App* cache_ = nullptr;
  CLI::App* list_ = nullptr;
  CLI::App* gc_ = nullptr;
  bool json_ = false;
  bool dry_run_ = false;
  std::string budget_ = "20G";
};

}  // namespace fuselab
