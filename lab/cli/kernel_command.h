// `fuselab kernel list|fetch|build`: show the cached kernels and prepare one ahead of a run.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <string>

namespace fuselab {

class KernelCommand {
 public:
  // Registers the subcommand and its three actions on `app`.
  explicit KernelCommand(CLI::App& app);
  bool selected() const { return kernel_->parsed(); }
  // Runs the parsed action; exceptions (UserError, InfraError) go to the caller's handler.
  int run(const std::filesystem::path& source_dir, const std::filesystem::path& agent) const;

 private:
  CLI::App* kernel_ = nullptr;
  CLI::App* list_ = nullptr;
  CLI::App* fetch_ = nullptr;
  CLI::App* build_ = nullptr;
  bool json_ = false;
  std::string value_;
};

}  // namespace fuselab
