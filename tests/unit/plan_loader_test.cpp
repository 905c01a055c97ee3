#include "config/plan_loader.h"

#include <gtest/gtest.h>

#include "matrix/plan.h"

namespace fuselab {
namespace {

const char* kGoodPlan = R"(name: t
defaults:
  memory_mib: 512
  server: {backend: null, threads: 2}
cells:
  - id: a
  - id: b
    server: {writeback_cache: true}
    expect: HANG
)";

TEST(PlanLoader, DefaultsMergeIntoCells) {
  Plan plan = parse_plan(kGoodPlan, "t.yaml");
  ASSERT_EQ(plan.cells.size(), 2u);
  EXPECT_EQ(plan.name, "t");
  EXPECT_EQ(plan.cells[0].memory_mib, 512u);
  EXPECT_EQ(plan.cells[0].server.backend, "null");
  EXPECT_FALSE(plan.cells[0].server.writeback_cache);
  // A nested section in a cell keeps the defaults' other keys.
  EXPECT_EQ(plan.cells[1].server.threads, 2u);
  EXPECT_TRUE(plan.cells[1].server.writeback_cache);
  EXPECT_EQ(plan.cells[1].expect, "HANG");
}

struct BadPlan {
  const char* name;
  const char* yaml;
  int line;
  const char* key;
  const char* in_hint;  // substring expected in the hint, or empty
};

class PlanErrors : public ::testing::TestWithParam<BadPlan> {};

TEST_P(PlanErrors, NameFileLineAndKey) {
  const BadPlan& bad = GetParam();
  try {
    parse_plan(bad.yaml, "plan.yaml");
    FAIL() << "no error for " << bad.name;
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.file(), "plan.yaml");
    EXPECT_EQ(e.line(), bad.line) << e.what();
    EXPECT_EQ(e.key(), bad.key) << e.what();
    if (*bad.in_hint) {
      EXPECT_NE(e.hint().find(bad.in_hint), std::string::npos) << e.hint();
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, PlanErrors,
    ::testing::Values(
        BadPlan{"unknown_key", "cells:\n  - id: a\n    memroy_mib: 5\n", 3, "cells[0].memroy_mib",
                "memory_mib"},
        BadPlan{"unknown_nested", "cells:\n  - id: a\n    server: {thread: 2}\n", 3,
                "cells[0].server.thread", "threads"},
        BadPlan{"out_of_range", "cells:\n  - id: a\n    vcpus: 999\n", 3, "cells[0].vcpus", ""},
        BadPlan{"not_a_number", "cells:\n  - id: a\n    vcpus: two\n", 3, "cells[0].vcpus", ""},
        BadPlan{"bad_verdict", "cells:\n  - id: a\n    expect: HNAG\n", 3, "cells[0].expect",
                "HANG"},
        BadPlan{"bad_backend", "cells:\n  - id: a\n    server: {backend: nul}\n", 3,
                "cells[0].server.backend", "null"},
        BadPlan{"duplicate_id", "cells:\n  - id: a\n  - id: a\n", 3, "cells[1]", ""},
        BadPlan{"malformed", "cells:\n  - id: a\n   bad: [\n", 3, "", ""},
        BadPlan{"no_cells", "name: x\n", 1, "cells", ""},
        BadPlan{"top_typo", "cels:\n  - id: a\n", 1, "cels", "cells"},
        BadPlan{"bad_id", "cells:\n  - id: 'A B'\n", 2, "cells[0].id", ""},
        BadPlan{"bad_evidence", "defaults:\n  evidence: maybe\ncells:\n  - id: a\n", 2,
                "defaults.evidence", ""}),
    [](const auto& test) { return std::string(test.param.name); });

// `evidence` asks for the trace and dmesg.txt of a passing cell; on the wire it is
// monitor.evidence, sent only when true (an older agent never sees it otherwise).
TEST(PlanLoader, EvidenceIsACellFieldSentAsMonitorEvidence) {
  Plan plan = parse_plan(
      "defaults: {evidence: true}\ncells:\n  - id: a\n  - id: b\n    evidence: false\n", "t.yaml");
  ASSERT_EQ(plan.cells.size(), 2u);
  EXPECT_TRUE(plan.cells[0].monitor.evidence);
  EXPECT_FALSE(plan.cells[1].monitor.evidence);
  EXPECT_EQ(guest_spec_json(plan.cells[0])["monitor"]["evidence"], true);
  EXPECT_FALSE(guest_spec_json(plan.cells[1])["monitor"].contains("evidence"));
  EXPECT_TRUE(protocol::decode_agent_spec(guest_spec_json(plan.cells[0])).monitor.evidence);
}

TEST(PlanLoader, MissingFileIsAUserError) {
  EXPECT_THROW(load_plan("/nonexistent/plan.yaml"), UserError);
}

TEST(PlanLoader, ClosestMatch) {
  EXPECT_EQ(closest_match("writeback_cach", {"threads", "writeback_cache"}), "writeback_cache");
  EXPECT_EQ(closest_match("zzzzzz", {"threads", "backend"}), "");
}

}  // namespace
}  // namespace fuselab
