// Workloads and pressure through the CLI on a real guest (bookworm 6.1, TCG here): a fio cell is
// PASS with fio's parsed throughput in run.json, and a cell under memory pressure (hog at half a
// 256 MiB cgroup v2 limit, seq-write) is PASS with the hog, PSI figures and the OOM counter in
// run.json.
#include <gtest/gtest.h>

#include "support/cli_runner.h"

namespace fuselab {
namespace {

using testing::only_run_dir;
using testing::read_json;
using testing::run_cli;
using testing::write_plan;

TEST(VmPressureFio, FioThroughputAndPressureFiguresReachRunJson) {
  TempDir dir(std::filesystem::temp_directory_path(), "fuselab-vm-");
  auto plan =
      write_plan(dir.path(), "pressure-fio.yaml",
                 "defaults:\n"
                 "  infra_retries: 1\n"
                 "  server: {backend: null, threads: 4, writeback_cache: true}\n"
                 "cells:\n"
                 "  - id: fio\n"
                 "    workload: {kind: fio, size_mib: 64, block_kib: 1024, fsync: true, jobs: 4}\n"
                 "  - id: pressure\n"
                 // Debian builds PSI in but may leave it off by default: psi=1 turns it on.
                 "    kernel_cmdline: psi=1\n"
                 "    cgroup: {version: v2, placement: both-nested, memory_limit_mib: 256}\n"
                 "    pressure: {hog_percent: 50}\n"
                 "    workload: {kind: seq-write, size_mib: 64, block_kib: 1024, fsync: true}\n");
  auto r = run_cli({"run", plan.string(), "--results", (dir.path() / "results").string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto run = read_json(only_run_dir(dir.path() / "results") / "run.json");
  ASSERT_EQ(run["cells"].size(), 2u);
  for (const auto& cell : run["cells"]) {
    std::string id = cell["id"];
    ASSERT_EQ(cell["verdict"], "PASS") << id << ": " << cell["reason"];
    const auto& agent = cell["agent_result"];
    EXPECT_EQ(agent["bytes_written"], 64u << 20) << id;
    EXPECT_EQ(agent["server_bytes_written"], 64u << 20) << id;
    EXPECT_EQ(agent["oom"]["group_oom_kills"].is_null(), id == "fio") << agent["oom"].dump();
    if (id == "fio") {
      const auto& fio = agent["fio"];
      EXPECT_TRUE(fio["reported"].get<bool>()) << fio.dump();
      EXPECT_GT(fio["bw_bytes"].get<double>(), 1e6) << fio.dump();
      EXPECT_GT(fio["clat_p99_us"].get<double>(), 0) << fio.dump();
    } else {
      const auto& hog = agent["pressure"]["hog"];
      EXPECT_EQ(hog["end"], "held to the end") << hog.dump();
      EXPECT_GE(hog["rss_kib"].get<unsigned long long>() << 10, 120ull << 20) << hog.dump();
      EXPECT_EQ(hog["oom_score_adj"], -1000) << hog.dump();
      EXPECT_EQ(agent["oom"]["group_oom_kills"], 0) << agent["oom"].dump();
      for (const char* source : {"system", "group"}) {
        const auto& psi = agent["pressure"]["psi"][source];
        ASSERT_TRUE(psi.contains("samples")) << source << ": " << psi.dump();
        EXPECT_GE(psi["samples"].get<unsigned>(), 1u) << source;
        EXPECT_TRUE(psi["some_avg10_max"].is_number()) << psi.dump();
        EXPECT_TRUE(psi["full_stall_us"].is_number()) << psi.dump();
      }
    }
  }
}

}  // namespace
}  // namespace fuselab
