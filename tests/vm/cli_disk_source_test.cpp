// A real FUSE server nobody here wrote (libfuse's passthrough_ll) under a 64 MiB memcg: with its
// {source} on the guest's tmpfs, every byte it stores is memory the memcg cannot reclaim, and
// the cell ends in OOM; with `server.source: disk` (the guest's root file system, the cell's
// overlay) the same cell's page cache is written back and dropped, and it passes.
#include <gtest/gtest.h>

#include "support/cli_runner.h"

namespace fuselab {
namespace {

using testing::only_run_dir;
using testing::read_json;
using testing::run_cli;
using testing::write_plan;

TEST(VmDiskSource, PassthroughLlUnderA64MiBMemcgPassesOnDiskAndIsOomKilledOnTmpfs) {
  TempDir dir(std::filesystem::temp_directory_path(), "fuselab-vm-");
  auto plan = write_plan(
      dir.path(), "disk-source.yaml",
      "name: disk-source\n"
      "defaults:\n"
      "  infra_retries: 1\n"
      "  cgroup: {version: v2, placement: both-nested, memory_limit_mib: 64}\n"
      "  workload: {kind: seq-write, size_mib: 192, block_kib: 1024, fsync: true}\n"
      "  server:\n"
      "    backend: external\n"
      "    writeback_cache: true\n"
      "    exec: [/usr/local/bin/passthrough_ll, -f, -o, writeback, -o, 'source={source}',\n"
      "           '{mountpoint}']\n"
      "axes:\n"
      "  source:\n"
      "    tmpfs: {server: {source: tmpfs}, expect: OOM}\n"
      "    disk: {server: {source: disk}}\n");
  auto r = run_cli({"run", plan.string(), "--results", (dir.path() / "results").string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto run = read_json(only_run_dir(dir.path() / "results") / "run.json");
  ASSERT_EQ(run["cells"].size(), 2u);
  for (const auto& cell : run["cells"]) {
    const std::string id = cell["id"];
    const auto& agent = cell["agent_result"];
    if (id == "source=disk") {
      ASSERT_EQ(cell["verdict"], "PASS") << cell["reason"];
      EXPECT_EQ(agent["server_bytes_written"], 192u << 20);
      EXPECT_EQ(agent["oom"]["group_oom_kills"], 0) << agent["oom"].dump();
      const auto& ext = agent["server"]["external"];
      EXPECT_EQ(ext["source"].get<std::string>().rfind("/var/tmp/fuselab-source.", 0), 0u)
          << ext.dump();
    } else {
      EXPECT_EQ(cell["verdict"], "OOM") << cell["reason"];
    }
  }
}

}  // namespace
}  // namespace fuselab
