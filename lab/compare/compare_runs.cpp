#include "compare/compare_runs.h"

#include <algorithm>
#include <set>

#include "common/error.h"
#include "report/cell_metrics.h"

namespace fuselab {
namespace {

void add_cell(CompareSide& side, const CellResult& c) {
  side.cell_ids.push_back(c.cell.id);
  ++side.verdicts[std::string(to_string(c.verdict))];
  // Only a cell that passed measured the configuration; a hang's partial figure measures the hang.
  if (c.verdict != Verdict::Pass) return;
  if (auto t = cell_throughput(c)) side.mib_per_s.push_back(t->mib_per_s);
}

void decide(ComparePair& p, const CompareOptions& o) {
  p.base.summary = stats::summarize(p.base.mib_per_s);
  p.other.summary = stats::summarize(p.other.mib_per_s);
  std::set<std::string> base_v, other_v;
  for (const auto& [v, n] : p.base.verdicts) base_v.insert(v);
  for (const auto& [v, n] : p.other.verdicts) other_v.insert(v);
  p.verdicts_changed = base_v != other_v;
  for (const auto& v : other_v) {
    if (v != "PASS" && !base_v.contains(v)) {
      p.gate_failed = true;
      p.gate_reason = "new verdict " + v;
    }
  }
  const auto& a = p.base.mib_per_s;
  const auto& b = p.other.mib_per_s;
  if (a.size() < 2 || b.size() < 2) {
    p.note = "fewer than 2 PASS figures on a side (" + std::to_string(a.size()) + " vs " +
             std::to_string(b.size()) + ")";
    return;
  }
  if (p.base.summary.median <= 0) {
    p.note = "the base median is 0";
    return;
  }
  p.ratio = p.other.summary.median / p.base.summary.median;
  p.ratio_ci = stats::ratio_of_medians_ci(a, b);
  p.test = stats::mann_whitney_u(a, b);
  const double floor_p = stats::smallest_possible_p(a.size(), b.size());
  if (floor_p >= o.alpha)
    p.note = std::to_string(a.size()) + " vs " + std::to_string(b.size()) +
             " boots cannot reach p < alpha (smallest possible p " + std::to_string(floor_p) +
             "): add repeats";
  const bool significant =
      p.test && p.test->p < o.alpha && p.ratio_ci && (p.ratio_ci->low > 1 || p.ratio_ci->high < 1);
  if (significant && p.ratio > 1 + o.threshold)
    p.change = Change::Faster;
  else if (significant && p.ratio < 1 - o.threshold)
    p.change = Change::Slower;
  else
    p.change = Change::NoSignificantChange;
  if (p.change == Change::Slower && p.ratio < 1 - o.max_regression && !p.gate_failed) {
    p.gate_failed = true;
    p.gate_reason = "slower by more than " + std::to_string(o.max_regression * 100) + " %";
  }
}

void finish(Comparison& c) {
  for (auto& p : c.pairs) decide(p, c.options);
  std::stable_sort(c.pairs.begin(), c.pairs.end(), [](const auto& x, const auto& y) {
    return x.verdicts_changed > y.verdicts_changed;
  });
}

// The value of `axis` for a cell, and the key made of its other axes.
std::string other_axes_key(const CellSpec& cell, const std::string& axis) {
  std::string key;
  for (const auto& [name, value] : cell.axes) {
    if (name == axis) continue;
    key += (key.empty() ? "" : ",") + name + "=" + value;
  }
  return key.empty() ? "(all)" : key;
}

}  // namespace

const char* to_string(Change change) {
  switch (change) {
    case Change::Faster:
      return "faster";
    case Change::Slower:
      return "slower";
    case Change::NoSignificantChange:
      return "no significant change";
    case Change::NotComparable:
      return "not comparable";
  }
  return "not comparable";
}

bool Comparison::gate_failed() const {
  return std::any_of(pairs.begin(), pairs.end(), [](const auto& p) { return p.gate_failed; });
}

Comparison compare_runs(const RunSummary& base, const RunSummary& other,
                        const CompareOptions& options) {
  Comparison c;
  c.base_label = base.run_id;
  c.other_label = other.run_id;
  c.options = options;
  std::map<std::string, ComparePair> by_key;
  std::vector<std::string> order;
  for (const auto& cell : base.cells) {
    auto key = repeat_key(cell.cell.id);
    auto [it, fresh] = by_key.try_emplace(key);
    if (fresh) order.push_back(key);
    it->second.key = key;
    it->second.base.label = base.run_id;
    add_cell(it->second.base, cell);
  }
  std::set<std::string> in_other;
  for (const auto& cell : other.cells) {
    auto key = repeat_key(cell.cell.id);
    in_other.insert(key);
    auto it = by_key.find(key);
    if (it == by_key.end()) {
      if (std::find(c.unpaired.begin(), c.unpaired.end(), key) == c.unpaired.end())
        c.unpaired.push_back(key);
      continue;
    }
    it->second.other.label = other.run_id;
    add_cell(it->second.other, cell);
  }
  for (const auto& key : order) {
    if (in_other.contains(key))
      c.pairs.push_back(std::move(by_key[key]));
    else
      c.unpaired.push_back(key);
  }
  if (c.pairs.empty())
    throw UserError("runs " + base.run_id + " and " + other.run_id + " have no cell id in common",
                    "compare runs of the same plan, or one run along an axis with --axis NAME");
  finish(c);
  return c;
}

Comparison compare_axis(const RunSummary& run, const CompareOptions& options) {
  std::vector<std::string> values;  // in the plan's order
  std::set<std::string> axes;
  for (const auto& cell : run.cells) {
    for (const auto& [name, value] : cell.cell.axes) axes.insert(name);
    auto it = cell.cell.axes.find(options.axis);
    if (it != cell.cell.axes.end() &&
        std::find(values.begin(), values.end(), it->second) == values.end())
      values.push_back(it->second);
  }
  if (values.empty()) {
    std::string known;
    for (const auto& a : axes) known += (known.empty() ? "" : ", ") + a;
    throw UserError("run " + run.run_id + " has no axis '" + options.axis + "'",
                    known.empty() ? "its plan lists cells without axes: compare two runs instead"
                                  : "its axes: " + known);
  }
  if (values.size() < 2)
    throw UserError("axis '" + options.axis + "' has one value in run " + run.run_id + " (" +
                    values[0] + "): nothing to compare");
  std::string base_value = options.base_value.empty() ? values[0] : options.base_value;
  if (std::find(values.begin(), values.end(), base_value) == values.end())
    throw UserError("--base " + base_value + " is not a value of axis '" + options.axis + "'");
  Comparison c;
  c.base_label = options.axis + "=" + base_value;
  c.other_label = options.axis + "=(each other value)";
  c.options = options;
  for (const auto& value : values) {
    if (value == base_value) continue;
    std::map<std::string, ComparePair> by_key;
    std::vector<std::string> order;
    for (const auto& cell : run.cells) {
      auto it = cell.cell.axes.find(options.axis);
      if (it == cell.cell.axes.end() || (it->second != value && it->second != base_value)) continue;
      const auto key = other_axes_key(cell.cell, options.axis);
      auto [pair, fresh] = by_key.try_emplace(key);
      if (fresh) order.push_back(key);
      pair->second.key = key + " (" + options.axis + " " + base_value + " -> " + value + ")";
      auto& side = it->second == base_value ? pair->second.base : pair->second.other;
      side.label = options.axis + "=" + it->second;
      add_cell(side, cell);
    }
    for (const auto& key : order) {
      auto& p = by_key[key];
      if (p.base.cell_ids.empty() || p.other.cell_ids.empty())
        c.unpaired.push_back(p.key);
      else
        c.pairs.push_back(std::move(p));
    }
  }
  finish(c);
  return c;
}

}  // namespace fuselab
