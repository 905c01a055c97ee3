// `fuselab compare` on real runs: an A/A study (the same kernel under two labels, 4 interleaved
// boots a side) must come out "no significant change" and pass the gate, and a run compared
// with itself must give a ratio of exactly 1. The statistics themselves are unit-tested on
// reference data (tests/unit/compare_statistics_test.cpp).
#include <gtest/gtest.h>

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

TEST(VmCompare, AaStudyIsNoSignificantChangeAndPassesTheGate) {
  TempDir dir(std::filesystem::temp_directory_path(), "fuselab-vm-");
  const auto plan = write_plan(dir.path(), "aa.yaml", kAaPlan);
  auto r = run_cli({"run", plan.string(), "--results", (dir.path() / "results").string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto run_dir = only_run_dir(dir.path() / "results");
  ASSERT_FALSE(run_dir.empty());

  const auto json_file = dir.path() / "aa.json";
  auto c = run_cli({"compare", run_dir.string(), "--axis", "kernel", "--threshold", "5", "--gate",
                    "--format", "json", "--output", json_file.string()});
  ASSERT_EQ(c.exit_code, 0) << c.out << c.err;
  const auto j = testing::read_json(json_file);
  ASSERT_EQ(j["pairs"].size(), 1u) << j.dump(2);
  const auto& pair = j["pairs"][0];
  EXPECT_EQ(pair["base"]["summary"]["n"], 4);
  EXPECT_EQ(pair["other"]["summary"]["n"], 4);
  EXPECT_EQ(pair["change"], "no significant change") << pair.dump(2);
  EXPECT_FALSE(pair["verdicts_changed"].get<bool>());
  EXPECT_GT(pair["base"]["summary"]["median"].get<double>(), 1.0);
  // The interval is on the ratio itself and holds 1.
  ASSERT_TRUE(pair.contains("ratio_ci95"));
  EXPECT_LE(pair["ratio_ci95"][0].get<double>(), 1.0);
  EXPECT_GE(pair["ratio_ci95"][1].get<double>(), 1.0);
  EXPECT_FALSE(j["gate_failed"].get<bool>());

  // The run against itself: the same figures, a ratio of 1, and the markdown table for CI.
  auto self = run_cli({"compare", run_dir.string(), run_dir.string(), "--format", "markdown"});
  ASSERT_EQ(self.exit_code, 0) << self.err;
  EXPECT_NE(self.out.find("| 1.000 ["), std::string::npos) << self.out;
  EXPECT_NE(self.out.find("no significant change"), std::string::npos) << self.out;
  // Two runs and --axis is a usage error, not a crash.
  auto bad = run_cli({"compare", run_dir.string(), run_dir.string(), "--axis", "kernel"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--axis compares cells of one run"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace fuselab
