// Loads a plan file (YAML) into plain structs. Every error names file, line and key, and an
// unknown key comes with the closest known one.
#pragma once

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

Plan load_plan(const std::filesystem::path& file);
// For tests and for plans built in memory; `source` names the text in messages.
Plan parse_plan(const std::string& yaml_text, const std::string& source);

// The candidate closest to `word` by edit distance, or empty if none is close.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

// Verdict names a plan may expect (see verdict/verdict.h).
const std::vector<std::string>& known_verdict_names();

}  // namespace fuselab
