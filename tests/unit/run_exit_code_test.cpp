#include <gtest/gtest.h>

#include "report/cell_result.h"

namespace fuselab {
namespace {

CellResult cell(Verdict v, bool matched) {
  CellResult r;
  r.verdict = v;
  r.matched = matched;
  return r;
}

TEST(RunExitCode, ZeroOnlyWhenEveryCellMatched) {
  RunSummary run;
  run.cells = {cell(Verdict::Pass, true), cell(Verdict::Hang, true), cell(Verdict::Skip, true)};
  EXPECT_EQ(run_exit_code(run), 0);
  run.cells.push_back(cell(Verdict::Infra, false));
  EXPECT_EQ(run_exit_code(run), 3);  // the lab failed, not the kernel
  run.cells.push_back(cell(Verdict::Pass, false));
  EXPECT_EQ(run_exit_code(run), 1);  // a kernel result against its expectation outranks INFRA
  run.interrupted = true;
  EXPECT_EQ(run_exit_code(run), 130);
}

TEST(RunExitCode, ExpectedInfraIsNotAFailure) {
  RunSummary run;
  run.cells = {cell(Verdict::Infra, true)};
  EXPECT_EQ(run_exit_code(run), 0);
}

}  // namespace
}  // namespace fuselab
