// The deadlock the project exists for, reproduced through the CLI on kernels built from source
// (unguarded: HANG in shrink_folio_list; IO_FLUSHER, cgroup v2 or the guard: no hang):
// a reduced configs/deadlock.yaml (its cells picked with --cell, so the plan CI runs is the one
// users run). The kernels are built once and cached outside the checkout (fuselab kernel build).
#include <gtest/gtest.h>

#include "support/cli_runner.h"

namespace fuselab {
namespace {

using testing::only_run_dir;
using testing::read_json;
using testing::run_cli;

const std::string kHang = "cgroup=v1,kernel=unguarded,placement=nested,pressure=on";
const std::string kHangIoFlusher =
    "cgroup=v1,io_flusher=true,kernel=unguarded,placement=nested,pressure=on";
const std::string kUnguardedV2 = "cgroup=v2,kernel=unguarded,placement=nested,pressure=on";
const std::string kGuardedV1 = "cgroup=v1,kernel=guarded,placement=nested,pressure=on";

bool has_frame(const nlohmann::json& report, const std::string& name) {
  for (const auto& f : report["frames"]) {
    if (f.get<std::string>().find(name) != std::string::npos) return true;
  }
  return false;
}

TEST(VmDeadlock, ReducedMatrixHangsExactlyWhereTheAnalysisSays) {
  TempDir dir(std::filesystem::temp_directory_path(), "fuselab-vm-");
  std::vector<std::string> args = {"run",
                                   std::string(FUSELAB_SOURCE_DIR) + "/configs/deadlock.yaml",
                                   "--results", (dir.path() / "results").string()};
  for (const auto& id : {kHang, kHangIoFlusher, kUnguardedV2, kGuardedV1}) {
    args.push_back("--cell");
    args.push_back(id);
  }
  // Cold cache: the two kernels are built first (about 10 minutes here, then cached).
  auto r = run_cli(args, std::chrono::minutes(45));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto run_dir = only_run_dir(dir.path() / "results");
  ASSERT_FALSE(run_dir.empty());
  auto run = read_json(run_dir / "run.json");
  ASSERT_EQ(run["cells"].size(), 4u);

  // Unguarded kernel, cgroup v1, one nested memcg under pressure, no IO_FLUSHER: the deadlock.
  auto hang = read_json(run_dir / kHang / "result.json");
  EXPECT_EQ(hang["verdict"], "HANG") << hang["reason"];
  EXPECT_NE(hang["signature"].get<std::string>().find("task hung in shrink_folio_list"),
            std::string::npos)
      << hang["signature"];
  ASSERT_FALSE(hang["reports"].empty());
  const auto& report = hang["reports"][0];
  EXPECT_EQ(report["kind"], "hung-task");
  EXPECT_TRUE(has_frame(report, "folio_wait_writeback")) << report.dump();
  EXPECT_TRUE(has_frame(report, "try_to_free_mem_cgroup_pages")) << report.dump();
  // The blocked tasks' stacks are kept: sysrq-w on the console, and the monitor's task list.
  auto console = read_file(run_dir / kHang / "console.log");
  EXPECT_NE(console.find("Linux version 7."), std::string::npos);
  EXPECT_NE(console.find("Show Blocked State"), std::string::npos);
  const auto& stall = hang["agent_stall"];
  ASSERT_TRUE(stall.is_object()) << hang.dump();
  bool blocked_in_reclaim = false;
  for (const auto& task : stall["tasks"]) {
    if (task["state"] == "D" &&
        task["stack"].get<std::string>().find("shrink_folio_list") != std::string::npos) {
      blocked_in_reclaim = true;
    }
  }
  EXPECT_TRUE(blocked_in_reclaim) << stall.dump();
  // dmesg.txt: the log marked at the first report, then the tested 64 MiB memcg as the watchdog
  // saw it and the server's stack in reclaim.
  EXPECT_EQ(hang["files"]["dmesg"], "dmesg.txt");
  auto dmesg = read_file(run_dir / kHang / "dmesg.txt");
  EXPECT_NE(dmesg.find(">>>> first report (console line "), std::string::npos);
  EXPECT_NE(dmesg.find("### memory.limit_in_bytes\n67108864"), std::string::npos);
  EXPECT_NE(dmesg.find("    [<0>] shrink_folio_list+"), std::string::npos);

  // The ftrace ring, sent by the monitor at its first stall/hang report while the
  // guest stayed hung: the server (its thread, by the monitor's task list) began memcg reclaim
  // and never ended it, waiting on writeback of the FUSE mount's folio, for longer than the
  // hung-task timeout. (The writer may be caught mid-reclaim too, but it keeps ending it.)
  EXPECT_EQ(hang["files"]["trace"], "trace.txt");
  EXPECT_TRUE(std::filesystem::exists(run_dir / kHang / "trace.txt"));
  const auto& trace = hang["trace"];
  ASSERT_TRUE(trace.is_object()) << hang.dump();
  ASSERT_TRUE(trace["agent"].is_object()) << trace.dump();
  EXPECT_NE(trace["agent"]["reason"], "evidence") << trace["agent"];
  EXPECT_EQ(trace["unparsed"], 0);
  EXPECT_GT(trace["counts"].value("mm_vmscan_memcg_reclaim_begin", 0),
            trace["counts"].value("mm_vmscan_memcg_reclaim_end", 0))
      << trace["counts"];
  EXPECT_GE(trace["counts"].value("folio_wait_writeback", 0), 1) << trace["counts"];
  bool server_never_ended = false;
  for (const auto& u : trace["unfinished"]) {
    if (u["pair"] == "mm_vmscan_memcg_reclaim_begin/_end" && u.value("role", "") == "server" &&
        u["open_s"].get<double>() > 8.0)
      server_never_ended = true;
  }
  EXPECT_TRUE(server_never_ended) << trace["unfinished"].dump();

  // The same cell with each protection: no hang (IO_FLUSHER and the guard: a livelock in
  // reclaim_throttle, STALL; cgroup v2: OOM), each as configs/deadlock.yaml expects.
  for (const auto& id : {kHangIoFlusher, kUnguardedV2, kGuardedV1}) {
    auto result = read_json(run_dir / id / "result.json");
    EXPECT_NE(result["verdict"], "HANG") << id << ": " << result["reason"];
    EXPECT_TRUE(result["matched"].get<bool>())
        << id << ": " << result["verdict"] << " " << result["reason"];
    EXPECT_NE(read_file(run_dir / id / "console.log").find("Linux version 7."), std::string::npos)
        << id;
  }
  // cgroup v2 never takes the synchronous wait. Under the same 64 MiB limit its reclaim cannot
  // free folios under writeback either, so the memcg OOM killer ends the cell (as in
  // shared/console-logs/clean-run-7.2-cgroup-v2.log): a failure, but never the deadlock.
  auto v2 = read_json(run_dir / kUnguardedV2 / "result.json");
  EXPECT_EQ(v2["verdict"], "OOM") << v2["reason"];
  EXPECT_NE(v2["reason"].get<std::string>().find("Memory cgroup out of memory"), std::string::npos)
      << v2["reason"];
}

}  // namespace
}  // namespace fuselab
