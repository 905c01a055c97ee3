// `fuselab compare`: pairs the cells of two runs (or of one run along one axis), and says per
// pair whether the other side is faster, slower or not significantly different. Verdict changes
// (PASS -> HANG) come before any figure: a kernel that hangs is not "slower". Each side is the
// set of independent boots of one configuration: the `.rN` repeats of a cell id.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/statistics.h"
#include "report/cell_result.h"

namespace fuselab {

struct CompareOptions {
  double alpha = 0.05;           // Mann-Whitney significance level
  double threshold = 0.02;       // a change smaller than this fraction is "no significant change"
  double max_regression = 0.05;  // --gate: a slowdown beyond this fraction fails
  std::string axis;              // one-run mode: the axis whose values are compared
  std::string base_value;  // one-run mode: the axis value that is the baseline (default: first)
};

// One configuration's boots.
struct CompareSide {
  std::string label;                    // run id, or axis=value
  std::vector<std::string> cell_ids;    // every cell of this side
  std::vector<double> mib_per_s;        // the PASS cells' throughput figures
  std::map<std::string, int> verdicts;  // verdict name -> cells
  stats::Summary summary;
};

enum class Change { Faster, Slower, NoSignificantChange, NotComparable };
const char* to_string(Change change);

struct ComparePair {
  std::string key;  // the cell id without its repeat suffix, or the other axes' values
  CompareSide base, other;
  bool verdicts_changed = false;
  double ratio = 0;  // median(other) / median(base)
  std::optional<stats::Interval> ratio_ci;
  std::optional<stats::MannWhitney> test;
  Change change = Change::NotComparable;
  std::string note;  // why a pair is not comparable, or a caveat (too few boots for alpha)
  bool gate_failed = false;
  std::string gate_reason;
};

struct Comparison {
  std::string base_label, other_label;
  CompareOptions options;
  std::vector<ComparePair> pairs;     // verdict changes first, then by key
  std::vector<std::string> unpaired;  // keys only one side has
  bool gate_failed() const;
};

// Two runs: cells paired by repeat_key() (report/cell_metrics.h). Throws UserError when no key is
// in both.
Comparison compare_runs(const RunSummary& base, const RunSummary& other,
                        const CompareOptions& options);
// One run along options.axis: cells that agree on every other axis are paired, each axis value
// against the base value. Throws UserError when the run has no such axis or it has one value.
Comparison compare_axis(const RunSummary& run, const CompareOptions& options);

// The report of a comparison: text for the terminal, markdown for a CI job summary, JSON.
std::string comparison_text(const Comparison& c);
std::string comparison_markdown(const Comparison& c);
nlohmann::json comparison_json(const Comparison& c);

}  // namespace fuselab
