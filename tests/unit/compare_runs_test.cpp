// Pairing and deciding in `fuselab compare`: repeats grouped into one side, verdict changes first,
// faster/slower only when both the test and the interval say so, the gate, and bad input.
#include "compare/compare_runs.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "report/cell_metrics.h"

namespace fuselab {
namespace {

CellResult cell(const std::string& id, double mib_per_s, Verdict v = Verdict::Pass,
                std::map<std::string, std::string> axes = {}) {
  CellResult c;
  c.cell.id = id;
  c.cell.axes = std::move(axes);
  c.verdict = v;
  c.agent_result = {{"mib_per_s", mib_per_s}};
  return c;
}

RunSummary run(const std::string& id, const std::string& key, std::vector<double> figures) {
  RunSummary r;
  r.run_id = id;
  for (std::size_t i = 0; i < figures.size(); ++i)
    r.cells.push_back(cell(key + ".r" + std::to_string(i + 1), figures[i]));
  return r;
}

TEST(CompareRuns, RepeatKeyStripsOnlyARepeatSuffix) {
  EXPECT_EQ(repeat_key("null.r3"), "null");
  EXPECT_EQ(repeat_key("a,b=c.r12"), "a,b=c");
  EXPECT_EQ(repeat_key("null"), "null");
  EXPECT_EQ(repeat_key("null.r"), "null.r");
  EXPECT_EQ(repeat_key("x.rfast"), "x.rfast");
}

TEST(CompareRuns, ClearSlowdownIsSlowerAndFailsTheGate) {
  const auto c = compare_runs(run("A", "null", {300, 305, 298, 302, 301}),
                              run("B", "null", {250, 252, 249, 255, 251}), {});
  ASSERT_EQ(c.pairs.size(), 1u);
  const auto& p = c.pairs[0];
  EXPECT_EQ(p.key, "null");
  EXPECT_EQ(p.base.summary.n, 5u);
  EXPECT_NEAR(p.ratio, 251.0 / 301, 1e-12);
  ASSERT_TRUE(p.test.has_value());
  EXPECT_NEAR(p.test->p, 2.0 / 252, 1e-12);  // fully separated, 5 vs 5, exact
  ASSERT_TRUE(p.ratio_ci.has_value());
  EXPECT_LT(p.ratio_ci->high, 1);
  EXPECT_EQ(p.change, Change::Slower);
  EXPECT_TRUE(c.gate_failed());
  EXPECT_NE(comparison_text(c).find("slower"), std::string::npos);
}

TEST(CompareRuns, SmallSlowdownBelowTheGateThresholdPasses) {
  CompareOptions o;
  o.max_regression = 0.10;
  const auto c = compare_runs(run("A", "x", {100, 101, 100.5, 99.8, 100.2}),
                              run("B", "x", {96, 96.5, 95.8, 96.2, 96.1}), o);
  EXPECT_EQ(c.pairs[0].change, Change::Slower);
  EXPECT_FALSE(c.gate_failed());  // 4 % slower, the gate allows 10 %
}

TEST(CompareRuns, OverlappingSamplesAreNoSignificantChange) {
  const auto c = compare_runs(run("A", "x", {100, 120, 90, 110, 105}),
                              run("B", "x", {104, 95, 118, 101, 99}), {});
  EXPECT_EQ(c.pairs[0].change, Change::NoSignificantChange);
  EXPECT_FALSE(c.gate_failed());
}

TEST(CompareRuns, ThreeBootsASideSaySoInsteadOfClaimingSignificance) {
  const auto c = compare_runs(run("A", "x", {300, 301, 302}), run("B", "x", {200, 201, 202}), {});
  EXPECT_EQ(c.pairs[0].change, Change::NoSignificantChange);
  EXPECT_NE(c.pairs[0].note.find("add repeats"), std::string::npos);
}

TEST(CompareRuns, VerdictChangesComeFirstAndFailTheGate) {
  RunSummary a = run("A", "fast", {300, 301, 302, 303});
  RunSummary b = run("B", "fast", {300, 301, 302, 303});
  for (int i = 1; i <= 4; ++i) {
    a.cells.push_back(cell("hangy.r" + std::to_string(i), 100));
    b.cells.push_back(
        cell("hangy.r" + std::to_string(i), 5, i % 2 ? Verdict::Hang : Verdict::Pass));
  }
  const auto c = compare_runs(a, b, {});
  ASSERT_EQ(c.pairs.size(), 2u);
  EXPECT_EQ(c.pairs[0].key, "hangy");
  EXPECT_TRUE(c.pairs[0].verdicts_changed);
  EXPECT_EQ(c.pairs[0].other.verdicts.at("HANG"), 2);
  EXPECT_EQ(c.pairs[0].other.mib_per_s.size(), 2u);  // a HANG cell's figure is not a figure
  EXPECT_TRUE(c.pairs[0].gate_failed);
  EXPECT_EQ(c.pairs[0].gate_reason, "new verdict HANG");
  EXPECT_FALSE(c.pairs[1].gate_failed);
  const auto text = comparison_text(c);
  EXPECT_LT(text.find("verdict changes:"), text.find("CELL"));
  EXPECT_NE(text.find("PASS×4 -> HANG×2 PASS×2"), std::string::npos) << text;
  const auto md = comparison_markdown(c);
  EXPECT_NE(md.find("**Verdict changes**"), std::string::npos);
  const auto j = comparison_json(c);
  EXPECT_EQ(j["schema"], "fuselab.compare/1");
  EXPECT_TRUE(j["gate_failed"].get<bool>());
}

TEST(CompareRuns, AxisModePairsCellsThatDifferOnlyInThatAxis) {
  RunSummary r;
  r.run_id = "R";
  for (int rep = 1; rep <= 5; ++rep) {
    for (const char* k : {"old", "new"}) {
      for (const char* bs : {"4k", "1m"}) {
        const double base = std::string(bs) == "4k" ? 100 : 400;
        const double mibs = std::string(k) == "new" ? base * 1.3 + rep : base + rep;
        r.cells.push_back(
            cell(std::string("bs=") + bs + ",kernel=" + k + ".r" + std::to_string(rep), mibs,
                 Verdict::Pass, {{"kernel", k}, {"bs", bs}}));
      }
    }
  }
  CompareOptions o;
  o.axis = "kernel";
  const auto c = compare_axis(r, o);
  ASSERT_EQ(c.pairs.size(), 2u);
  EXPECT_EQ(c.pairs[0].key, "bs=4k (kernel old -> new)");
  EXPECT_EQ(c.pairs[1].key, "bs=1m (kernel old -> new)");
  for (const auto& p : c.pairs) {
    EXPECT_EQ(p.base.summary.n, 5u);
    EXPECT_EQ(p.change, Change::Faster) << p.key;
  }
  o.base_value = "new";
  EXPECT_EQ(compare_axis(r, o).pairs[0].change, Change::Slower);
}

TEST(CompareRuns, BadInputIsAUserError) {
  EXPECT_THROW(compare_runs(run("A", "x", {1, 2}), run("B", "y", {1, 2}), {}), UserError);
  CompareOptions o;
  o.axis = "kernel";
  EXPECT_THROW(compare_axis(run("A", "x", {1, 2}), o), UserError);  // no such axis
  RunSummary one;
  one.cells.push_back(cell("k=a", 1, Verdict::Pass, {{"kernel", "a"}}));
  EXPECT_THROW(compare_axis(one, o), UserError);  // one value
  o.base_value = "zzz";
  one.cells.push_back(cell("k=b", 1, Verdict::Pass, {{"kernel", "b"}}));
  EXPECT_THROW(compare_axis(one, o), UserError);  // not a value
}

TEST(CompareRuns, TooFewFiguresIsNotComparable) {
  const auto c = compare_runs(run("A", "x", {1}), run("B", "x", {2, 3}), {});
  EXPECT_EQ(c.pairs[0].change, Change::NotComparable);
  EXPECT_FALSE(c.gate_failed());
  EXPECT_NE(comparison_json(c).dump().find("fewer than 2 PASS figures"), std::string::npos);
}

}  // namespace
}  // namespace fuselab
