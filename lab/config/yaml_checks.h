// Checks on a plan's YAML as a whole, before any key is read: the text every later step (ids,
// paths, the guest's argv, the terminal) relies on. Each failure is a ConfigError at the node.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

namespace fuselab {

// Bounds that hold whatever the plan says: checked before the plan is parsed or expanded.
inline constexpr std::size_t kMaxPlanBytes = 1 << 20;  // a plan is text written by hand
inline constexpr std::size_t kMaxYamlDepth = 32;       // a plan nests 4 levels deep
// Nodes visited, aliases counted at each use: a "billion laughs" plan of nested aliases is
// small as text and enormous as a tree.
inline constexpr std::size_t kMaxYamlNodes = 50000;

// Every key a single value, unique in its mapping; every scalar (keys included) valid UTF-8 with
// no control characters; nesting and size within the bounds above.
void check_yaml_tree(const YAML::Node& root, const std::string& source);

}  // namespace fuselab
