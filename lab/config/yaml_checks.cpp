#include "config/yaml_checks.h"

#include <cstdio>
#include <map>

#include "common/utf8.h"
#include "config/plan_loader.h"

namespace fuselab {
namespace {

std::string code_point_name(char32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
  return buf;
}

// Where a node is, as a chain up to the root: the dotted path is only built for an error, so a
// tree of many nodes costs no string work per node.
struct Place {
  const Place* parent = nullptr;
  const std::string* key = nullptr;  // a mapping's key, or
  std::size_t index = 0;             // a sequence's index
};

std::string path_of(const Place* place) {
  if (!place || !place->parent) return "";
  std::string up = path_of(place->parent);
  if (place->key) return up.empty() ? *place->key : up + "." + *place->key;
  return up + "[" + std::to_string(place->index) + "]";
}

class TreeCheck {
 public:
  explicit TreeCheck(const std::string& source) : source_(source) {}

  void visit(const YAML::Node& node, const Place& place, std::size_t depth) {
    if (++nodes_ > kMaxYamlNodes) {
      throw config_error(source_, path_of(&place), node,
                         "the plan has more than " + std::to_string(kMaxYamlNodes) +
                             " values (aliases counted at each use)",
                         "a plan needs no aliases that expand this far");
    }
    if (depth > kMaxYamlDepth) {
      throw config_error(source_, path_of(&place), node,
                         "nested deeper than " + std::to_string(kMaxYamlDepth) + " levels");
    }
    if (node.IsScalar()) {
      check_text(node, place, node.Scalar());
    } else if (node.IsSequence()) {
      std::size_t i = 0;
      for (const auto& item : node) visit(item, Place{&place, nullptr, i++}, depth + 1);
    } else if (node.IsMap()) {
      std::map<std::string, int> seen;  // key -> line of its first use
      for (const auto& entry : node) {
        if (!entry.first.IsScalar()) {
          throw config_error(source_, path_of(&place), entry.first,
                             "a key must be a single value, not a list or a mapping");
        }
        const std::string& key = entry.first.Scalar();
        check_text(entry.first, place, key);
        Place inner{&place, &key, 0};
        auto [it, fresh] = seen.emplace(key, entry.first.Mark().line + 1);
        if (!fresh) {
          throw config_error(source_, path_of(&inner), entry.first,
                             "duplicate key (first at line " + std::to_string(it->second) + ")",
                             "YAML would silently keep only one of them");
        }
        visit(entry.second, inner, depth + 1);
      }
    }
  }

 private:
  // The value is not echoed: it is what must not reach a terminal.
  void check_text(const YAML::Node& node, const Place& place, const std::string& text) {
    auto problem = find_text_problem(text);
    if (!problem) return;
    if (problem->invalid_utf8) {
      throw config_error(
          source_, path_of(&place), node,
          "invalid UTF-8 at byte " + std::to_string(problem->offset) + " of the value",
          "plans are UTF-8 text");
    }
    throw config_error(source_, path_of(&place), node,
                       "control character " + code_point_name(problem->code_point) + " at byte " +
                           std::to_string(problem->offset) + " of the value",
                       "values are single lines of printable text");
  }

  const std::string& source_;
  std::size_t nodes_ = 0;
};

}  // namespace

void check_yaml_tree(const YAML::Node& root, const std::string& source) {
  Place top;
  TreeCheck(source).visit(root, top, 0);
}

}  // namespace fuselab
