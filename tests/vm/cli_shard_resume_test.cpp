// CI-shaped use through the CLI: a matrix in two shards, merged; then --resume of the merged run
// runs nothing again. Real guests, small workloads.
#include <gtest/gtest.h>

#include "support/cli_runner.h"

namespace fuselab {
namespace {

using testing::read_json;
using testing::run_cli;
using testing::write_plan;

TEST(VmShards, TwoShardsMergeIntoTheWholePlanAndResumeRunsNothingTwice) {
  TempDir dir(std::filesystem::temp_directory_path(), "fuselab-vm-");
  auto plan = write_plan(dir.path(), "m.yaml",
                         "name: m\ndefaults:\n  workload: {size_mib: 8}\n"
                         "axes:\n  writeback_cache: [false, true]\n  threads: [1, 2]\n");
  auto listed = run_cli({"plan", plan.string(), "--json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  ASSERT_EQ(nlohmann::json::parse(listed.out)["cells"].size(), 4u);

  auto results = (dir.path() / "results").string();
  for (const char* shard : {"1/2", "2/2"}) {
    auto r = run_cli({"run", plan.string(), "--results", results, "--shard", shard, "--run-id",
                      std::string("s") + shard[0]});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  auto s1 = read_json(dir.path() / "results" / "s1" / "run.json");
  auto s2 = read_json(dir.path() / "results" / "s2" / "run.json");
  EXPECT_EQ(s1["cells"].size() + s2["cells"].size(), 4u);

  auto merged_dir = dir.path() / "results" / "merged";
  auto m = run_cli({"merge", (dir.path() / "results" / "s1").string(),
                    (dir.path() / "results" / "s2").string(), "--into", merged_dir.string()});
  ASSERT_EQ(m.exit_code, 0) << m.out << m.err;
  auto merged = read_json(merged_dir / "run.json");
  ASSERT_EQ(merged["cells"].size(), 4u);
  for (const auto& c : merged["cells"]) {
    EXPECT_EQ(c["verdict"], "PASS") << c["id"];
    EXPECT_TRUE(std::filesystem::exists(merged_dir / c["id"].get<std::string>() / "console.log"))
        << c["id"];
  }

  // Resuming the merged run: every cell is done, none boots again.
  auto again = run_cli({"run", plan.string(), "--results", results, "--resume", "merged"});
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_NE(again.err.find("4 cells done, 0 to run"), std::string::npos) << again.err;
  EXPECT_EQ(read_json(merged_dir / "run.json")["cells"].size(), 4u);
}

}  // namespace
}  // namespace fuselab
