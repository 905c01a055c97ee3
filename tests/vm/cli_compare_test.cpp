// `fuselab compare` on real runs: an A/A study (the same kernel under two labels, 4 interleaved
// boots a side) compared along its axis, and a run compared with itself: a ratio of exactly 1,
// no significant change, the gate passes. The statistics themselves are unit-tested on
// reference data (tests/unit/compare_statistics_test.cpp).
#include <gtest/gtest.h>

#include <iostream>

#include "support/cli_runner.h"

namespace fuselab {
namespace {

using testing::only_run_dir;
using testing::run_cli;
using testing::write_plan;

constexpr const char* kAaPlan = R"(name: aa
defaults:
  image: bookworm
  memory_mib: 1024
  vcpus: 2
  exclusive: true
  server: {backend: null, threads: 1, writeback_cache: true}
  workload: {kind: seq-write, size_mib: 64, block_kib: 1024, fsync: true}
axes:
  kernel: {a: "debian:bookworm:cloud-amd64", b: "debian:bookworm:cloud-amd64"}
repeat: 4
)";

TEST(VmCompare, AaStudyAlongItsAxisAndARunAgainstItself) {
  TempDir dir(std::filesystem::temp_directory_path(), "fuselab-vm-");
  const auto plan = write_plan(dir.path(), "aa.yaml", kAaPlan);
  auto r = run_cli({"run", plan.string(), "--results", (dir.path() / "results").string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto run_dir = only_run_dir(dir.path() / "results");
  ASSERT_FALSE(run_dir.empty());

  // The axis comparison on real boots: each side's figures, a ratio and its interval. Not yet
  // asserted: that an A/A pair comes out "no significant change". In a clean-clone CI run here
  // label b, then always the second of each interleaved pair, was 7.5 % faster, CI [1.034,
  // 1.141], p = 0.029 (4 vs 4). Rounds now alternate (a b, b a, ...), and 3 of 3 runs since came
  // out "no significant change" (ratios 0.99, 1.50, 0.93, p 0.34 to 0.69, on a busy host); 4 vs 4
  // boots at alpha 0.05 would still fail about one run in 35 by chance alone, which a CI gate
  // test cannot afford: issue 12. The gate is asserted below, on the run against itself.
  const auto json_file = dir.path() / "aa.json";
  auto c = run_cli({"compare", run_dir.string(), "--axis", "kernel", "--format", "json", "--output",
                    json_file.string()});
  ASSERT_EQ(c.exit_code, 0) << c.out << c.err;
  const auto j = testing::read_json(json_file);
  ASSERT_EQ(j["pairs"].size(), 1u) << j.dump(2);
  const auto& pair = j["pairs"][0];
  std::cout << "[ NOTE ] A/A: " << pair["change"] << ", ratio " << pair["ratio"] << " "
            << pair["ratio_ci95"] << ", p " << pair["mann_whitney"]["p"] << "\n";
  EXPECT_EQ(pair["base"]["summary"]["n"], 4);
  EXPECT_EQ(pair["other"]["summary"]["n"], 4);
  EXPECT_FALSE(pair["verdicts_changed"].get<bool>());
  EXPECT_GT(pair["base"]["summary"]["median"].get<double>(), 1.0);
  ASSERT_TRUE(pair.contains("ratio_ci95"));
  const double ratio = pair["ratio"].get<double>();
  EXPECT_LE(pair["ratio_ci95"][0].get<double>(), ratio);
  EXPECT_GE(pair["ratio_ci95"][1].get<double>(), ratio);
  EXPECT_TRUE(pair["mann_whitney"]["exact"].get<bool>());  // 4 vs 4, no ties

  // The run against itself: the same figures, a ratio of 1, and the markdown table for CI.
  auto self =
      run_cli({"compare", run_dir.string(), run_dir.string(), "--format", "markdown", "--gate"});
  ASSERT_EQ(self.exit_code, 0) << self.out << self.err;
  EXPECT_NE(self.out.find("| 1.000 ["), std::string::npos) << self.out;
  EXPECT_NE(self.out.find("no significant change"), std::string::npos) << self.out;
  // Two runs and --axis is a usage error, not a crash.
  auto bad = run_cli({"compare", run_dir.string(), run_dir.string(), "--axis", "kernel"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--axis compares cells of one run"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace fuselab
