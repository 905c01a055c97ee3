// `fuselab compare` on real runs: an A/A study (the same kernel under two labels, 5 interleaved
// boots a side, warm-up first) compared along its axis comes out "no significant change", and a run
// compared with itself: a ratio of exactly 1, no significant change, the gate passes. The
// statistics themselves are unit-tested on reference data (tests/unit/compare_statistics_test.cpp).
// The run's report.html has the repeat chart: a whisker per label.
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
  workload: {kind: seq-write, size_mib: 64, block_kib: 1024, fsync: true, warmup_mib: 16}
axes:
  kernel: {a: "debian:bookworm:cloud-amd64", b: "debian:bookworm:cloud-amd64"}
repeat: 5
)";

TEST(VmCompare, AaStudyAlongItsAxisAndARunAgainstItself) {
  TempDir dir(std::filesystem::temp_directory_path(), "fuselab-vm-");
  const auto plan = write_plan(dir.path(), "aa.yaml", kAaPlan);
  auto r = run_cli({"run", plan.string(), "--results", (dir.path() / "results").string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto run_dir = only_run_dir(dir.path() / "results");
  ASSERT_FALSE(run_dir.empty());

  // report.html charts each configuration's median over its 5 boots: one CI whisker per label.
  const std::string html = read_file(run_dir / "report.html");
  EXPECT_NE(html.find("<h2>Throughput over repeats</h2>"), std::string::npos);
  std::size_t whiskers = 0;
  for (auto at = html.find(R"(class="ci")"); at != std::string::npos;
       at = html.find(R"(class="ci")", at + 1))
    ++whiskers;
  EXPECT_EQ(whiskers, 2u);

  // The axis comparison on real boots: each side's figures, a ratio and its interval, and "no
  // significant change". Before rounds alternated (a b, b a, ...), label b, always the second of
  // each pair, came out 7.5 % faster in a CI run here (CI [1.034, 1.141], p 0.029, 4 vs 4). At
  // alpha 0.05 a true A/A pair is still called different once in 20 runs by chance alone, too
  // often for a CI test; at alpha 0.01 with 5 vs 5 boots (the exact test's floor is p 0.008)
  // and a 5 % threshold, a false call needs p < 0.01, an interval excluding 1 and a 5 % gap in
  // the medians together: under 1 run in 100.
  const auto json_file = dir.path() / "aa.json";
  auto c = run_cli({"compare", run_dir.string(), "--axis", "kernel", "--alpha", "0.01",
                    "--threshold", "5", "--format", "json", "--output", json_file.string()});
  ASSERT_EQ(c.exit_code, 0) << c.out << c.err;
  const auto j = testing::read_json(json_file);
  ASSERT_EQ(j["pairs"].size(), 1u) << j.dump(2);
  const auto& pair = j["pairs"][0];
  std::cout << "[ NOTE ] A/A: " << pair["change"] << ", ratio " << pair["ratio"] << " "
            << pair["ratio_ci95"] << ", p " << pair["mann_whitney"]["p"] << "\n";
  EXPECT_EQ(pair["base"]["summary"]["n"], 5);
  EXPECT_EQ(pair["other"]["summary"]["n"], 5);
  EXPECT_EQ(pair["change"], "no significant change") << pair.dump(2);
  EXPECT_FALSE(pair["verdicts_changed"].get<bool>());
  EXPECT_GT(pair["base"]["summary"]["median"].get<double>(), 1.0);
  ASSERT_TRUE(pair.contains("ratio_ci95"));
  const double ratio = pair["ratio"].get<double>();
  EXPECT_LE(pair["ratio_ci95"][0].get<double>(), ratio);
  EXPECT_GE(pair["ratio_ci95"][1].get<double>(), ratio);
  EXPECT_TRUE(pair["mann_whitney"]["exact"].get<bool>());  // 5 vs 5, no ties

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
