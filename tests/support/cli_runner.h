// Runs the real `fuselab` binary the way a user does, for tests at the CLI level.
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/paths.h"
#include "common/subprocess.h"

namespace fuselab::testing {

struct CliRun {
  int exit_code = -1;
  std::string out, err;
};

inline CliRun run_cli(const std::vector<std::string>& args,
                      std::chrono::seconds timeout = std::chrono::minutes(15),
                      const std::map<std::string, std::string>& env = {}) {
  std::vector<std::string> argv = {FUSELAB_CLI_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandOptions options;
  options.timeout = timeout;
  options.env_set = env;
  auto r = run_command(argv, options);
  return {r.exit_code, r.out, r.err};
}

inline std::filesystem::path write_plan(const std::filesystem::path& dir, const std::string& name,
                                        const std::string& yaml) {
  auto path = dir / name;
  write_file_atomic(path, yaml);
  return path;
}

// The only run directory under `results`.
inline std::filesystem::path only_run_dir(const std::filesystem::path& results) {
  std::vector<std::filesystem::path> runs;
  for (const auto& e : std::filesystem::directory_iterator(results)) runs.push_back(e.path());
  return runs.size() == 1 ? runs[0] : std::filesystem::path();
}

inline nlohmann::json read_json(const std::filesystem::path& path) {
  return nlohmann::json::parse(read_file(path));
}

}  // namespace fuselab::testing
