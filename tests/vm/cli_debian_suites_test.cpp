// Every Debian suite the README offers fetches and boots its kernel: bookworm (6.1, image and
// modules in linux-image-R), trixie (6.12, merged /usr) and sid (7.x, where linux-image-R is an
// empty package depending on linux-binary-R, linux-modules-R and linux-base-R). One small write
// cell per suite through the CLI, as a user runs it.
#include <gtest/gtest.h>

#include "support/cli_runner.h"

namespace fuselab {
namespace {

using testing::only_run_dir;
using testing::read_json;
using testing::run_cli;
using testing::write_plan;

TEST(VmDebianSuites, EachSuiteFetchesAndBootsItsKernel) {
  TempDir dir(std::filesystem::temp_directory_path(), "fuselab-vm-");
  auto plan =
      write_plan(dir.path(), "suites.yaml",
                 "name: suites\n"
                 "defaults:\n"
                 "  workload: {kind: seq-write, size_mib: 16, block_kib: 1024, fsync: true}\n"
                 "axes:\n"
                 "  kernel:\n"
                 "    bookworm: debian:bookworm:cloud-amd64\n"
                 "    trixie: debian:trixie:cloud-amd64\n"
                 "    sid: debian:sid:cloud-amd64\n");
  auto r = run_cli({"run", plan.string(), "--results", (dir.path() / "results").string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto run_dir = only_run_dir(dir.path() / "results");
  const std::map<std::string, std::string> release_prefix = {
      {"kernel=bookworm", "6.1."}, {"kernel=trixie", "6.12."}, {"kernel=sid", ""}};
  for (const auto& [id, prefix] : release_prefix) {
    auto result = read_json(run_dir / id / "result.json");
    EXPECT_EQ(result["verdict"], "PASS") << id << ": " << result["reason"];
    std::string release = result["kernel"]["release"].get<std::string>();
    EXPECT_EQ(release.rfind(prefix, 0), 0u) << id << ": " << release;
    EXPECT_NE(read_file(run_dir / id / "console.log").find("Linux version " + release),
              std::string::npos)
        << id;
    EXPECT_EQ(result["agent_result"]["bytes_written"].get<unsigned long long>(), 16ull << 20) << id;
  }
  // sid's kernel is the newest Debian has: whatever its version, not an older suite's.
  auto sid = read_json(run_dir / "kernel=sid" / "result.json");
  EXPECT_EQ(sid["kernel"]["release"].get<std::string>().find("6.1."), std::string::npos)
      << sid["kernel"];
}

// The split layout's files land where the rest of fuselab looks: the kernel's config is found
// (capabilities are read before booting), so `fuselab kernel list` shows it.
TEST(VmDebianSuites, SidKernelListsItsConfig) {
  auto fetch = run_cli({"kernel", "fetch", "debian:sid:cloud-amd64"}, std::chrono::minutes(10));
  ASSERT_EQ(fetch.exit_code, 0) << fetch.out << fetch.err;
  auto list = run_cli({"kernel", "list", "--json"}, std::chrono::minutes(2));
  ASSERT_EQ(list.exit_code, 0) << list.err;
  auto kernels = nlohmann::json::parse(list.out);
  bool found = false;
  for (const auto& k : kernels) {
    if (k.value("value", "") != "debian:sid:cloud-amd64") continue;
    found = true;
    EXPECT_FALSE(k.value("config", "").empty()) << k.dump();
  }
  EXPECT_TRUE(found) << list.out;
}

}  // namespace
}  // namespace fuselab
