// `fuselab run --evidence` on a cell that passes: its trace ring and dmesg.txt come
// back too, and the trace's event counts are in result.json and report.html. One small smoke cell
// on the Debian 6.1 kernel (about 30 s under TCG).
#include <gtest/gtest.h>

#include "common/subprocess.h"
#include "support/cli_runner.h"

namespace fuselab {
namespace {

using testing::only_run_dir;
using testing::read_json;
using testing::run_cli;
using testing::write_plan;

TEST(VmEvidence, PassingCellWithEvidenceBringsBackItsTrace) {
  TempDir dir(std::filesystem::temp_directory_path(), "fuselab-vm-");
  auto plan = write_plan(dir.path(), "evidence.yaml",
                         "cells:\n  - id: pass\n"
                         "    server: {backend: null, writeback_cache: true}\n"
                         "    workload: {size_mib: 16}\n");
  auto r = run_cli({"run", plan.string(), "--evidence", "--accel", "tcg", "--results",
                    (dir.path() / "results").string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto run_dir = only_run_dir(dir.path() / "results");
  auto result = read_json(run_dir / "pass" / "result.json");
  EXPECT_EQ(result["verdict"], "PASS") << result["reason"];
  EXPECT_EQ(result["spec"]["monitor"]["evidence"], true);
  EXPECT_EQ(result["files"]["trace"], "trace.txt");
  EXPECT_EQ(result["files"]["dmesg"], "dmesg.txt");
  EXPECT_NE(read_file(run_dir / "pass" / "dmesg.txt").find("Linux version 6.1."),
            std::string::npos);
  auto text = read_file(run_dir / "pass" / "trace.txt");
  EXPECT_EQ(text.rfind("# tracer: nop\n", 0), 0u) << text.substr(0, 200);
  const auto& trace = result["trace"];
  ASSERT_TRUE(trace.is_object()) << result.dump();
  EXPECT_EQ(trace["agent"]["reason"], "evidence");
  EXPECT_EQ(trace["agent"]["bytes"].get<std::size_t>(), text.size());
  EXPECT_EQ(trace["unparsed"], 0);
  // 16 MiB through the writeback cache: the flusher's writeback and the writer throttled in
  // balance_dirty_pages (6.1 has no fuse:* events; 7.x kernels add them), no reclaim left open.
  EXPECT_GT(trace["counts"].value("writeback_start", 0), 0) << trace["counts"];
  EXPECT_GT(trace["counts"].value("balance_dirty_pages", 0), 0) << trace["counts"];
  EXPECT_TRUE(trace["unfinished"].empty()) << trace["unfinished"];
  // perf.data: perf record of the same tracepoints in the guest (its linux-perf), sent back as
  // base64 lines, opened here by the host's perf.
  EXPECT_EQ(result["files"]["perf"], "perf.data") << result["perf"];
  EXPECT_TRUE(result["perf"]["whole"].get<bool>()) << result["perf"];
  CommandOptions opts;
  opts.timeout = std::chrono::seconds(60);
  auto report = run_command(
      {"perf", "report", "-i", (run_dir / "pass" / "perf.data").string(), "--stdio"}, opts);
  EXPECT_EQ(report.exit_code, 0) << report.err;
  EXPECT_NE(report.out.find("of event 'writeback:writeback_start'"), std::string::npos)
      << report.out.substr(0, 2000);
  auto html = read_file(run_dir / "report.html");
  EXPECT_NE(html.find("<h2>Traces</h2>"), std::string::npos);
  EXPECT_NE(html.find("balance_dirty_pages"), std::string::npos);
}

}  // namespace
}  // namespace fuselab
