#include "matrix/plan.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <set>

#include "common/safe_name.h"
#include "config/plan_loader.h"
#include "matrix/axes.h"

namespace fuselab {
namespace {

constexpr std::size_t kMaxAxisNameLength = 32;
constexpr std::size_t kMaxLabelLength = 48;

// An axis is either a list of values of a spec key (`threads: [1, 4]`, texts normalised through
// the cell spec) or a mapping of labels to values (`kernel: {guarded: "build:..."}`) or to cell
// fragments (`pressure: {off: {...}, on: {...}}`); a labelled axis may have any name that is not
// a spec axis, and its labels are what ids and rules use.
struct Axis {
  std::string name;
  const AxisDef* def = nullptr;  // the spec key it varies; null for a custom labelled axis
  bool labelled = false;
  std::vector<YAML::Node> values;     // as written, for marks in messages
  std::vector<YAML::Node> fragments;  // each value as a partial cell mapping
  std::vector<std::string> texts;     // the value's normalised text, or its label
};

// One value of one axis as a partial cell mapping, e.g. threads: 4 -> {server: {threads: 4}}.
// Built by recursion, never by reassigning a Node variable: yaml-cpp's Node assignment writes
// through to the node it is bound to (it would overwrite the plan's own value nodes).
YAML::Node wrap_in_path(const std::vector<std::string>& path, size_t depth,
                        const YAML::Node& value) {
  if (depth == path.size()) return value;
  YAML::Node map(YAML::NodeType::Map);
  map[path[depth]] = wrap_in_path(path, depth + 1, value);
  return map;
}

YAML::Node override_node(const AxisDef& def, const YAML::Node& value) {
  return wrap_in_path(def.path, 0, value);
}

// Set in the file (a default-constructed node is a defined null, so `!node` cannot tell).
bool given(const YAML::Node& node) { return node.IsDefined() && !node.IsNull(); }

std::string id_safe(const std::string& value) {
  std::string out;
  for (char c : value) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    out += ok ? c : (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : '-';
  }
  return out;
}

class PlanExpander {
 public:
  PlanExpander(const std::string& source, const YAML::Node& root) : source_(source), root_(root) {}

  Plan expand() {
    read_top_level();
    Plan plan;
    plan.source = source_;
    plan.name = name_.empty() ? std::filesystem::path(source_).stem().string() : name_;
    if (given(defaults_)) {
      if (!defaults_.IsMap())
        throw config_error(source_, "defaults", defaults_, "expected a mapping of cell keys");
      if (given(defaults_["id"]))
        throw config_error(source_, "defaults.id", defaults_["id"], "defaults cannot set an id");
      apply_cell_yaml(source_, "defaults", defaults_, base_);
    }
    read_axes();
    check_cell_count();
    if (!axes_.empty())
      expand_axes(plan);
    else if (given(include_) || given(exclude_) || given(expect_)) {
      throw config_error(source_, "axes", root_, "include, exclude and expect rules need axes");
    }
    add_listed_cells(plan);
    if (plan.cells.empty()) {
      throw config_error(source_, "cells", root_, "the plan has no cells",
                         "give 'axes' or a list of 'cells'");
    }
    return plan;
  }

 private:
  void read_top_level() {
    if (!root_.IsMap())
      throw config_error(source_, "", root_, "a plan is a mapping with 'axes' and/or 'cells'");
    static const std::vector<std::string> kKeys = {"name",    "defaults", "axes",   "include",
                                                   "exclude", "repeat",   "expect", "cells"};
    for (const auto& entry : root_) {
      std::string key = entry.first.Scalar();
      const YAML::Node& v = entry.second;
      if (key == "name")
        name_ = config_scalar(source_, key, v);
      else if (key == "defaults")
        defaults_ = v;
      else if (key == "axes")
        axes_node_ = v;
      else if (key == "include")
        include_ = v;
      else if (key == "exclude")
        exclude_ = v;
      else if (key == "expect")
        expect_ = v;
      else if (key == "cells")
        cells_ = v;
      else if (key == "repeat") {
        repeat_ = config_number(source_, key, v, 1, 100);
        repeat_node_ = v;
      } else {
        std::string near = closest_match(key, kKeys);
        throw config_error(source_, key, entry.first, "unknown key",
                           near.empty() ? "" : "did you mean '" + near + "'?");
      }
    }
  }

  // The number of cells, bounded before anything is expanded: the product of the axis lengths,
  // checked for overflow at each step (40 axes of 2 values are 2^40 cells).
  void check_cell_count() {
    unsigned long long combinations = axes_.empty() ? 0 : 1;
    for (const auto& axis : axes_) {
      combinations *= axis.values.size();  // each factor <= the plan's node bound: no overflow yet
      if (combinations > kMaxCells) {
        throw config_error(
            source_, "axes", axes_node_,
            "the axes make more than " + std::to_string(kMaxCells) + " cells (from axis '" +
                axis.name + "' on)",
            "split the plan, or list fewer values; include/exclude filter after expansion");
      }
    }
    unsigned long long listed = given(cells_) && cells_.IsSequence() ? cells_.size() : 0;
    if (combinations * repeat_ + listed > kMaxCells) {
      throw config_error(source_, repeat_ > 1 ? "repeat" : "cells",
                         repeat_ > 1 ? repeat_node_ : cells_,
                         "the plan has more than " + std::to_string(kMaxCells) + " cells (" +
                             std::to_string(combinations) + " combinations x repeat " +
                             std::to_string(repeat_) + " + " + std::to_string(listed) + " listed)",
                         "split the plan");
    }
  }

  void read_axes() {
    if (!given(axes_node_)) return;
    if (!axes_node_.IsMap())
      throw config_error(source_, "axes", axes_node_,
                         "axes is a mapping of axis name to a list of values");
    for (const auto& entry : axes_node_) {
      std::string name = entry.first.Scalar();
      std::string path = "axes." + name;
      // Axis names are part of cell ids, and so of result paths.
      if (!is_safe_name(name, kMaxAxisNameLength)) {
        throw config_error(
            source_, path, entry.first, "bad axis name '" + name + "'",
            "axis names go into cell ids: 1-" + std::to_string(kMaxAxisNameLength) +
                " characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit");
      }
      const AxisDef* def = find_axis(name);
      if (entry.second.IsMap()) {
        axes_.push_back(read_labelled_axis(name, def, entry.second));
        continue;
      }
      if (!def) {
        std::string near = closest_match(name, axis_names());
        throw config_error(source_, path, entry.first, "unknown axis",
                           near.empty()
                               ? "known axes: " + join(axis_names()) +
                                     " (or a custom axis: a mapping of labels to cell fragments)"
                               : "did you mean '" + near + "'?");
      }
      if (!entry.second.IsSequence() || entry.second.size() == 0) {
        throw config_error(
            source_, path, entry.second,
            "an axis is a non-empty list of values (or a mapping of labels to values)");
      }
      Axis axis{name, def, false, {}, {}, {}};
      for (size_t i = 0; i < entry.second.size(); ++i) {
        CellSpec probe = base_;
        YAML::Node fragment = override_node(*def, entry.second[i]);
        apply_cell_yaml(source_, path + "[" + std::to_string(i) + "]", fragment, probe);
        std::string text = def->read(probe);
        if (std::find(axis.texts.begin(), axis.texts.end(), text) != axis.texts.end()) {
          throw config_error(source_, path, entry.second[i],
                             "value '" + text + "' appears twice on this axis");
        }
        axis.values.push_back(entry.second[i]);
        axis.fragments.push_back(fragment);
        axis.texts.push_back(text);
      }
      axes_.push_back(std::move(axis));
    }
  }

  Axis read_labelled_axis(const std::string& name, const AxisDef* def, const YAML::Node& node) {
    std::string path = "axes." + name;
    if (node.size() == 0)
      throw config_error(source_, path, node, "an axis needs at least one value");
    Axis axis{name, def, true, {}, {}, {}};
    for (const auto& entry : node) {
      std::string label = entry.first.Scalar();
      std::string at = path + "." + label;
      if (!is_safe_name(label, kMaxLabelLength)) {
        throw config_error(
            source_, at, entry.first, "bad label '" + label + "'",
            "labels go into cell ids: 1-" + std::to_string(kMaxLabelLength) +
                " characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit");
      }
      if (!entry.second.IsMap() && !(def && entry.second.IsScalar())) {
        throw config_error(
            source_, at, entry.second,
            def ? "expected a value of '" + name + "' or a mapping of cell keys"
                : "a custom axis maps each label to a mapping of cell keys",
            def ? "" : "e.g. " + name + ": {" + label + ": {cgroup: {memory_limit_mib: 64}}}");
      }
      // Copy-constructed, never assigned: see wrap_in_path.
      const YAML::Node fragment =
          entry.second.IsMap() ? entry.second : override_node(*def, entry.second);
      if (given(fragment["id"]))
        throw config_error(source_, at + ".id", fragment["id"], "an axis value cannot set the id");
      CellSpec probe = base_;
      apply_cell_yaml(source_, at, fragment, probe);  // reports bad keys and values here, once
      axis.values.push_back(entry.second);
      axis.fragments.push_back(fragment);
      axis.texts.push_back(label);
    }
    return axis;
  }

  // A rule's `axis: value` or `axis: [values]` pairs, checked against the axes.
  std::map<std::string, std::set<std::string>> read_match(const std::string& path,
                                                          const YAML::Node& node) {
    if (!node.IsMap())
      throw config_error(source_, path, node, "expected a mapping of axis to value(s)");
    std::map<std::string, std::set<std::string>> match;
    for (const auto& entry : node) {
      std::string name = entry.first.Scalar();
      std::string at = path + "." + name;
      auto it =
          std::find_if(axes_.begin(), axes_.end(), [&](const Axis& a) { return a.name == name; });
      if (it == axes_.end()) {
        std::vector<std::string> names;
        for (const auto& a : axes_) names.push_back(a.name);
        std::string near = closest_match(name, names);
        throw config_error(source_, at, entry.first, "names no axis of this plan",
                           near.empty() ? "axes: " + join(names) : "did you mean '" + near + "'?");
      }
      std::vector<YAML::Node> values;
      if (entry.second.IsSequence()) {
        for (const auto& v : entry.second) values.push_back(v);
      } else {
        values.push_back(entry.second);
      }
      for (const auto& v : values) {
        std::string text;
        if (it->labelled) {
          text = config_scalar(source_, at, v);
        } else {
          CellSpec probe = base_;
          apply_cell_yaml(source_, at, override_node(*it->def, v), probe);
          text = it->def->read(probe);
        }
        if (std::find(it->texts.begin(), it->texts.end(), text) == it->texts.end()) {
          throw config_error(source_, at, v, "value '" + text + "' is not on axis '" + name + "'",
                             "its values: " + join(it->texts));
        }
        match[name].insert(text);
      }
    }
    return match;
  }

  static bool matches(const std::map<std::string, std::set<std::string>>& rule,
                      const std::map<std::string, std::string>& cell_axes) {
    for (const auto& [axis, values] : rule) {
      auto it = cell_axes.find(axis);
      if (it == cell_axes.end() || !values.contains(it->second)) return false;
    }
    return true;
  }

  struct Rule {
    std::map<std::string, std::set<std::string>> match;
    YAML::Node node;
    std::string path;
    bool used = false;
  };

  std::vector<Rule> read_rules(const char* key, const YAML::Node& list) {
    std::vector<Rule> rules;
    if (!given(list)) return rules;
    if (!list.IsSequence()) throw config_error(source_, key, list, "expected a list of rules");
    for (size_t i = 0; i < list.size(); ++i) {
      std::string path = std::string(key) + "[" + std::to_string(i) + "]";
      rules.push_back({read_match(path, list[i]), list[i], path, false});
    }
    return rules;
  }

  struct ExpectRule {
    Rule rule;
    std::string verdict, signature;
  };

  std::vector<ExpectRule> read_expect() {
    std::vector<ExpectRule> rules;
    if (!given(expect_)) return rules;
    if (!expect_.IsSequence())
      throw config_error(source_, "expect", expect_,
                         "expected a list of {when, verdict, signature}");
    for (size_t i = 0; i < expect_.size(); ++i) {
      std::string path = "expect[" + std::to_string(i) + "]";
      const YAML::Node& node = expect_[i];
      if (!node.IsMap())
        throw config_error(source_, path, node, "expected {when: {...}, verdict: V}");
      ExpectRule r{{{}, node, path, false}, "", ""};
      for (const auto& entry : node) {
        std::string key = entry.first.Scalar();
        if (key == "when")
          r.rule.match = read_match(path + ".when", entry.second);
        else if (key == "verdict" || key == "signature") {
          CellSpec probe;
          YAML::Node n(YAML::NodeType::Map);
          n["expect"] = entry.second;
          if (key == "verdict" && entry.second.IsSequence()) {
            r.verdict = verdict_set(path + ".verdict", entry.second);
          } else if (key == "verdict") {
            apply_cell_yaml(source_, path, n, probe);
            r.verdict = probe.expect;
          } else {
            r.signature = config_scalar(source_, path + ".signature", entry.second);
          }
        } else {
          std::string near = closest_match(key, {"when", "verdict", "signature"});
          throw config_error(source_, path + "." + key, entry.first, "unknown key",
                             near.empty() ? "" : "did you mean '" + near + "'?");
        }
      }
      if (r.verdict.empty())
        throw config_error(source_, path, node, "an expect rule needs a verdict");
      for (const auto& earlier : rules) {
        if (earlier.rule.match == r.rule.match &&
            (earlier.verdict != r.verdict || earlier.signature != r.signature)) {
          throw config_error(source_, path, node,
                             "conflicts with " + earlier.rule.path + " (line " +
                                 std::to_string(earlier.rule.node.Mark().line + 1) +
                                 "): same cells, other verdict");
        }
      }
      rules.push_back(std::move(r));
    }
    return rules;
  }

  // `verdict: [PASS, STALL]`: any of these meets the expectation; kept as "PASS|STALL".
  std::string verdict_set(const std::string& path, const YAML::Node& list) {
    if (list.size() == 0) throw config_error(source_, path, list, "an empty list of verdicts");
    std::string joined;
    for (size_t i = 0; i < list.size(); ++i) {
      CellSpec probe;
      YAML::Node n(YAML::NodeType::Map);
      n["expect"] = list[i];
      apply_cell_yaml(source_, path, n, probe);
      joined += (joined.empty() ? "" : "|") + probe.expect;
    }
    return joined;
  }

  void expand_axes(Plan& plan) {
    auto includes = read_rules("include", include_);
    auto excludes = read_rules("exclude", exclude_);
    auto expects = read_expect();

    std::vector<size_t> index(axes_.size(), 0);
    std::set<std::string> ids;
    // Repeats are interleaved: every combination's .r1, then every .r2, ... so a slow spell of
    // the host (another build, a noisy neighbour) hits each compared configuration alike. Every
    // second round runs in reverse (A B, B A, A B...): a cell's place in its round matters too
    // (an A/A study here ran the second of each pair 7.5 % faster, p 0.029), and this way each
    // configuration is as often first as last, and a steady drift cancels over two rounds.
    std::vector<std::vector<CellSpec>> by_repeat(repeat_);
    while (true) {
      CellSpec cell = base_;
      std::vector<std::pair<std::string, std::string>> non_default;
      for (size_t a = 0; a < axes_.size(); ++a) {
        const Axis& axis = axes_[a];
        apply_cell_yaml(source_, "axes." + axis.name, axis.fragments[index[a]], cell);
        const std::string& text = axis.texts[index[a]];
        cell.axes[axis.name] = text;
        // A label has no default to compare with: it is always part of the id.
        bool is_default = !axis.labelled && text == axis.def->read(base_);
        if (axis.texts.size() > 1 && !is_default) non_default.emplace_back(axis.name, text);
      }
      bool keep = includes.empty();
      for (auto& r : includes) {
        if (matches(r.match, cell.axes)) keep = r.used = true;
      }
      for (auto& r : excludes) {
        if (matches(r.match, cell.axes)) {
          r.used = true;
          keep = false;
        }
      }
      if (keep) {
        for (auto& r : expects) {
          if (matches(r.rule.match, cell.axes)) {
            cell.expect = r.verdict;
            cell.expect_signature = r.signature;
            r.rule.used = true;
            break;
          }
        }
        std::sort(non_default.begin(), non_default.end());
        std::string id = matrix_cell_id(non_default);
        for (unsigned rep = 1; rep <= repeat_; ++rep) {
          CellSpec copy = cell;
          copy.id = repeat_ > 1 ? id + ".r" + std::to_string(rep) : id;
          check_cell_spec(source_, "axes", axes_node_, copy);
          if (!ids.insert(copy.id).second) {
            throw config_error(source_, "axes", axes_node_,
                               "two cells get the id '" + copy.id + "'");
          }
          by_repeat[rep - 1].push_back(std::move(copy));
        }
      }
      // Next combination; the last axis varies fastest.
      size_t a = axes_.size();
      while (a > 0 && ++index[a - 1] == axes_[a - 1].values.size()) index[--a] = 0;
      if (a == 0) break;
    }
    for (size_t r = 0; r < by_repeat.size(); ++r) {
      if (r % 2 == 1) std::reverse(by_repeat[r].begin(), by_repeat[r].end());
      for (auto& c : by_repeat[r]) plan.cells.push_back(std::move(c));
    }
    for (const auto* rules : {&includes, &excludes}) {
      for (const auto& r : *rules) {
        if (!r.used)
          throw config_error(source_, r.path, r.node, "this rule matches no cell of the matrix");
      }
    }
    for (const auto& r : expects) {
      if (!r.rule.used) {
        throw config_error(source_, r.rule.path, r.rule.node, "this expect rule applies to no cell",
                           "an earlier rule may already match every cell it names");
      }
    }
  }

  void add_listed_cells(Plan& plan) {
    if (!given(cells_)) return;
    if (!cells_.IsSequence())
      throw config_error(source_, "cells", cells_, "cells is a list of cell mappings");
    std::set<std::string> ids;
    for (const auto& c : plan.cells) ids.insert(c.id);
    for (size_t i = 0; i < cells_.size(); ++i) {
      std::string path = "cells[" + std::to_string(i) + "]";
      CellSpec cell =
          base_;  // nested sections merge: a cell's server.threads keeps defaults' backend
      apply_cell_yaml(source_, path, cells_[i], cell);
      check_cell_spec(source_, path, cells_[i], cell);
      if (!ids.insert(cell.id).second) {
        throw config_error(source_, path, cells_[i]["id"], "duplicate cell id '" + cell.id + "'");
      }
      plan.cells.push_back(std::move(cell));
    }
  }

  static std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
    return out;
  }

  const std::string& source_;
  YAML::Node root_;
  std::string name_;
  YAML::Node defaults_, axes_node_, include_, exclude_, expect_, cells_, repeat_node_;
  unsigned repeat_ = 1;
  CellSpec base_;
  std::vector<Axis> axes_;
};

}  // namespace

std::string matrix_cell_id(const std::vector<std::pair<std::string, std::string>>& non_default) {
  if (non_default.empty()) return "base";
  std::string id;
  for (const auto& [axis, value] : non_default)
    id += (id.empty() ? "" : ",") + axis + "=" + id_safe(value);
  return id;
}

Plan parse_plan(const std::string& yaml_text, const std::string& source) {
  YAML::Node root = load_yaml(yaml_text, source);
  return PlanExpander(source, root).expand();
}

Plan load_plan(const std::filesystem::path& file) {
  return parse_plan(read_plan_file(file), file.string());
}

}  // namespace fuselab
