#include <gtest/gtest.h>

#include <set>

#include "config/plan_loader.h"
#include "matrix/plan.h"

namespace fuselab {
namespace {

std::vector<std::string> ids(const Plan& plan) {
  std::vector<std::string> out;
  for (const auto& c : plan.cells) out.push_back(c.id);
  return out;
}

const CellSpec& cell(const Plan& plan, const std::string& id) {
  for (const auto& c : plan.cells) {
    if (c.id == id) return c;
  }
  throw std::runtime_error("no cell " + id);
}

TEST(MatrixPlan, CrossProductWithReadableIds) {
  Plan plan = parse_plan(R"(
axes:
  writeback_cache: [false, true]
  threads: [1, 4]
)",
                         "m.yaml");
  EXPECT_EQ(ids(plan), (std::vector<std::string>{"base", "threads=4", "writeback_cache=true",
                                                 "threads=4,writeback_cache=true"}));
  EXPECT_EQ(cell(plan, "threads=4").server.threads, 4u);
  EXPECT_TRUE(cell(plan, "threads=4,writeback_cache=true").server.writeback_cache);
  EXPECT_EQ(cell(plan, "base").axes.at("threads"), "1");
}

TEST(MatrixPlan, IdsSurviveAddingAxesThatKeepTheirDefault) {
  Plan before = parse_plan("axes:\n  threads: [1, 4]\n", "a.yaml");
  Plan after =
      parse_plan("axes:\n  block_kib: [1024, 4]\n  fsync: [true]\n  threads: [1, 4]\n", "b.yaml");
  std::set<std::string> after_ids;
  for (const auto& id : ids(after)) after_ids.insert(id);
  for (const auto& id : ids(before)) EXPECT_TRUE(after_ids.contains(id)) << id;
  EXPECT_EQ(after.cells.size(), 4u);
}

TEST(MatrixPlan, IncludeExcludeRepeatAndExpect) {
  Plan plan = parse_plan(R"(
axes:
  writeback_cache: [off, on]
  threads: [1, 2, 4]
exclude:
  - {threads: 2}
repeat: 2
expect:
  - when: {writeback_cache: true, threads: [4]}
    verdict: SLOW
    signature: task hung in
  - verdict: PASS
)",
                         "m.yaml");
  EXPECT_EQ(plan.cells.size(), 8u);  // 2 x (3 - 1) x 2 repeats
  const CellSpec& slow = cell(plan, "threads=4,writeback_cache=true.r2");
  EXPECT_EQ(slow.expect, "SLOW");
  EXPECT_EQ(slow.expect_signature, "task hung in");
  EXPECT_EQ(cell(plan, "base.r1").expect, "PASS");
  // Repeats interleave: every combination once, then again in reverse, so host drift and a
  // cell's place in its round hit all alike.
  EXPECT_EQ(ids(plan), (std::vector<std::string>{
                           "base.r1", "threads=4.r1", "writeback_cache=true.r1",
                           "threads=4,writeback_cache=true.r1", "threads=4,writeback_cache=true.r2",
                           "writeback_cache=true.r2", "threads=4.r2", "base.r2"}));
}

TEST(MatrixPlan, ListedCellsAddToTheMatrix) {
  Plan plan = parse_plan(
      "axes:\n  threads: [1, 4]\ncells:\n  - id: extra\n    server: {threads: 8}\n", "m.yaml");
  EXPECT_EQ(ids(plan), (std::vector<std::string>{"base", "threads=4", "extra"}));
}

TEST(MatrixPlan, LabelledAxesNameValuesAndFragments) {
  Plan plan = parse_plan(R"(
axes:
  kernel: {temp-page: "debian:bookworm", unguarded: "path:/dev/null"}
  pressure:
    off: {cgroup: {memory_limit_mib: 0}}
    on: {cgroup: {memory_limit_mib: 64}, server: {threads: 1}}
  threads: [1, 4]
expect:
  - when: {kernel: unguarded, pressure: on}
    verdict: HANG
  - verdict: [PASS, STALL]
)",
                         "m.yaml");
  ASSERT_EQ(plan.cells.size(), 8u);
  // Labels always appear in ids: they have no default to leave out.
  const CellSpec& hang = cell(plan, "kernel=unguarded,pressure=on,threads=4");
  EXPECT_EQ(hang.kernel, "path:/dev/null");
  EXPECT_EQ(hang.cgroup.memory_limit_mib, 64u);
  // The axis order decides: threads comes after pressure's fragment, so it wins.
  EXPECT_EQ(hang.server.threads, 4u);
  EXPECT_EQ(hang.expect, "HANG");
  EXPECT_EQ(hang.axes.at("pressure"), "on");
  const CellSpec& calm = cell(plan, "kernel=temp-page,pressure=off");
  EXPECT_EQ(calm.kernel, "debian:bookworm");
  EXPECT_EQ(calm.cgroup.memory_limit_mib, 0u);
  EXPECT_EQ(calm.expect, "PASS|STALL");
}

struct BadMatrix {
  const char* name;
  const char* yaml;
  int line;
  const char* key;
  const char* in_hint;
};

class MatrixErrors : public ::testing::TestWithParam<BadMatrix> {};

TEST_P(MatrixErrors, NameFileLineKeyAndSuggestion) {
  const BadMatrix& bad = GetParam();
  try {
    parse_plan(bad.yaml, "m.yaml");
    FAIL() << "no error for " << bad.name;
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.line(), bad.line) << e.what();
    EXPECT_EQ(e.key(), bad.key) << e.what();
    if (*bad.in_hint) {
      EXPECT_NE(e.hint().find(bad.in_hint), std::string::npos) << e.what() << " / " << e.hint();
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, MatrixErrors,
    ::testing::Values(
        BadMatrix{"unknown_axis", "axes:\n  thread: [1, 2]\n", 2, "axes.thread", "threads"},
        BadMatrix{"bad_axis_value", "axes:\n  threads: [1, 999]\n", 2,
                  "axes.threads[1].server.threads", ""},
        BadMatrix{"duplicate_value", "axes:\n  writeback_cache: [on, true]\n", 2,
                  "axes.writeback_cache", ""},
        // Rule values are checked against the axes, so an include that could match nothing is
        // reported at its value.
        BadMatrix{"include_matches_nothing",
                  "axes:\n  threads: [1, 4]\ninclude:\n  - {threads: 2}\n", 4, "include[0].threads",
                  "1, 4"},
        BadMatrix{"everything_excluded",
                  "axes:\n  threads: [1, 4]\nexclude:\n  - {threads: [1, 4]}\n", 1, "cells", ""},
        BadMatrix{"rule_names_unknown_axis",
                  "axes:\n  threads: [1, 4]\nexclude:\n  - {threds: 1}\n", 4, "exclude[0].threds",
                  "threads"},
        BadMatrix{"rule_value_not_on_axis",
                  "axes:\n  threads: [1, 4]\nexclude:\n  - {threads: 2}\n", 4, "exclude[0].threads",
                  "1, 4"},
        BadMatrix{"expect_unknown_axis",
                  "axes:\n  threads: [1, 4]\nexpect:\n  - when: {cgroup: v1}\n    verdict: HANG\n",
                  4, "expect[0].when.cgroup", ""},
        BadMatrix{"expect_conflict",
                  "axes:\n  threads: [1, 4]\nexpect:\n  - when: {threads: 4}\n    verdict: HANG\n"
                  "  - when: {threads: 4}\n    verdict: PASS\n",
                  6, "expect[1]", ""},
        BadMatrix{"expect_unreachable",
                  "axes:\n  threads: [1, 4]\nexpect:\n  - verdict: PASS\n  - when: {threads: 4}\n  "
                  "  verdict: HANG\n",
                  5, "expect[1]", "earlier rule"},
        BadMatrix{"expect_bad_verdict", "axes:\n  threads: [1, 4]\nexpect:\n  - verdict: HUNG\n", 4,
                  "expect[0].expect", "HANG"},
        BadMatrix{"custom_axis_needs_fragments", "axes:\n  pressure: {on: 64}\n", 2,
                  "axes.pressure.on", "memory_limit_mib"},
        BadMatrix{"label_not_id_safe", "axes:\n  pressure: {\"a b\": {server: {threads: 2}}}\n", 2,
                  "axes.pressure.a b", "a-z"},
        BadMatrix{"fragment_bad_key", "axes:\n  pressure:\n    on: {server: {thread: 2}}\n", 3,
                  "axes.pressure.on.server.thread", "threads"},
        BadMatrix{"rule_label_not_on_axis",
                  "axes:\n  pressure: {off: {}, on: {}}\nexclude:\n  - {pressure: maybe}\n", 4,
                  "exclude[0].pressure", "off, on"},
        BadMatrix{"verdict_list_bad_name",
                  "axes:\n  threads: [1, 4]\nexpect:\n  - verdict: [PASS, HUNG]\n", 4,
                  "expect[0].verdict.expect", "HANG"},
        BadMatrix{"repeat_zero", "axes:\n  threads: [1]\nrepeat: 0\n", 3, "repeat", ""},
        BadMatrix{"rules_without_axes", "cells:\n  - id: a\nexclude:\n  - {threads: 1}\n", 1,
                  "axes", ""}),
    [](const auto& test) { return std::string(test.param.name); });

}  // namespace
}  // namespace fuselab
