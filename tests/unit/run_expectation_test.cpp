#include <gtest/gtest.h>

#include "run/expectation.h"

namespace fuselab {
namespace {

TEST(Expectation, OneVerdictOrSeveral) {
  EXPECT_TRUE(verdict_expected("PASS", "PASS"));
  EXPECT_FALSE(verdict_expected("PASS", "PAS"));
  EXPECT_TRUE(verdict_expected("PASS|STALL", "STALL"));
  EXPECT_TRUE(verdict_expected("PASS|STALL", "PASS"));
  EXPECT_FALSE(verdict_expected("PASS|STALL", "HANG"));
  EXPECT_FALSE(verdict_expected("PASS|STALL", ""));
  EXPECT_FALSE(verdict_expected("", "PASS"));
}

TEST(Expectation, SignatureAndSkip) {
  CellSpec cell;
  cell.expect = "HANG";
  cell.expect_signature = "task hung in shrink_folio_list";
  EXPECT_TRUE(expectation_met(cell, Verdict::Hang, "INFO: task hung in shrink_folio_list"));
  EXPECT_FALSE(expectation_met(cell, Verdict::Hang, "INFO: task hung in fuse_set_nowrite"));
  EXPECT_FALSE(expectation_met(cell, Verdict::Pass, ""));
  EXPECT_TRUE(expectation_met(cell, Verdict::Skip, ""));
}

}  // namespace
}  // namespace fuselab
