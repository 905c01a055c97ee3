// Loads a plan file (YAML) into plain structs. Every error names file, line and key, and an
// unknown key comes with the closest known one.
#pragma once

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/error.h"
#include "config/cell_spec.h"

namespace fuselab {

// A plan error at a place in a file. what() is "FILE:LINE:COL: key 'K': PROBLEM".
class ConfigError : public UserError {
 public:
  ConfigError(const std::string& file, int line, int column, const std::string& key,
              const std::string& problem, const std::string& hint = {});
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  const std::string& key() const { return key_; }

 private:
  std::string file_;
  int line_;
  std::string key_;
};

// Building blocks for the plan expansion (matrix/plan.h), which owns the plan's top level.
// `source` names the file in messages, `path` is the dotted key path of `node` in it.
YAML::Node load_yaml(const std::string& yaml_text, const std::string& source);
std::string read_plan_file(const std::filesystem::path& file);
ConfigError config_error(const std::string& source, const std::string& path, const YAML::Node& node,
                         const std::string& problem, const std::string& hint = {});
// A scalar as text; YAML's bare `null` reads as "null" (the null backend).
std::string config_scalar(const std::string& source, const std::string& path,
                          const YAML::Node& node);
// A whole number in [lo, hi] (digits only), else a ConfigError saying the range.
unsigned config_number(const std::string& source, const std::string& path, const YAML::Node& node,
                       unsigned lo, unsigned hi);
// Applies a (partial) cell mapping: known keys only, each validated; nested sections merge.
void apply_cell_yaml(const std::string& source, const std::string& path, const YAML::Node& map,
                     CellSpec& cell);
// Checks that hold for a whole cell (an id, consistent timeouts).
void check_cell_spec(const std::string& source, const std::string& path, const YAML::Node& node,
                     const CellSpec& cell);

// The candidate closest to `word` by edit distance, or empty if none is close.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

// Verdict names a plan may expect (see verdict/verdict.h).
const std::vector<std::string>& known_verdict_names();

}  // namespace fuselab
