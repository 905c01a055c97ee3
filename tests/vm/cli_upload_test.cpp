// A FUSE server author's own build, from the host into the cell: `upload:` copies a directory
// holding libfuse's passthrough_ll (as built here, not the image's copy) into the guest, and
// server.exec runs it as "{upload}/bin/...". A build that needs a library the image lacks is
// refused before any guest boots, naming the library; a missing upload path names file and line.
#include <gtest/gtest.h>

#include <filesystem>

#include "support/cli_runner.h"

namespace fuselab {
namespace {

namespace fs = std::filesystem;
using testing::only_run_dir;
using testing::read_json;
using testing::run_cli;
using testing::write_plan;

std::string upload_plan(const fs::path& upload, const std::string& program) {
  return "name: upload\n"
         "cells:\n"
         "  - id: own-build\n"
         "    infra_retries: 1\n"
         "    upload: " +
         upload.string() +
         "\n"
         "    workload: {kind: seq-write, size_mib: 64, block_kib: 1024, fsync: true}\n"
         "    server:\n"
         "      backend: external\n"
         "      writeback_cache: true\n"
         "      exec: ['" +
         program + "', -f, -o, writeback, -o, 'source={source}', '{mountpoint}']\n";
}

TEST(VmUpload, AServerBuiltOnTheHostRunsInTheCellAndOneWithAMissingLibraryIsRefused) {
  TempDir dir(fs::temp_directory_path(), "fuselab-vm-");
  const fs::path built = fs::path(FUSELAB_AGENT_PATH).parent_path() / "fuselab-passthrough_ll";
  ASSERT_TRUE(fs::is_regular_file(built)) << built;
  const fs::path upload = dir.path() / "server-build";
  fs::create_directories(upload / "bin");
  fs::copy_file(built, upload / "bin" / "passthrough_ll");

  auto plan =
      write_plan(dir.path(), "upload.yaml", upload_plan(upload, "{upload}/bin/passthrough_ll"));
  auto r = run_cli({"run", plan.string(), "--results", (dir.path() / "results").string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto run = read_json(only_run_dir(dir.path() / "results") / "run.json");
  ASSERT_EQ(run["cells"].size(), 1u);
  const auto& cell = run["cells"][0];
  ASSERT_EQ(cell["verdict"], "PASS") << cell["reason"];
  EXPECT_EQ(cell["agent_result"]["server_bytes_written"], 64u << 20);
  const auto& argv = cell["agent_result"]["server"]["external"]["argv"];
  ASSERT_FALSE(argv.empty()) << cell["agent_result"].dump();
  EXPECT_EQ(argv[0], "/usr/local/lib/fuselab/upload/server-build/bin/passthrough_ll");
  EXPECT_EQ(cell["spec"]["upload"]["host"], upload.string()) << cell["spec"].dump();

  // virsh needs libvirt.so.0, which the guest image does not carry.
  const fs::path needy = dir.path() / "needy";
  fs::copy_file("/usr/bin/virsh", needy);
  auto refused_plan = write_plan(dir.path(), "needy.yaml", upload_plan(needy, "{upload}"));
  auto refused =
      run_cli({"run", refused_plan.string(), "--results", (dir.path() / "refused").string()});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("libvirt.so.0"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("which the image does not have"), std::string::npos) << refused.err;

  auto missing_plan =
      write_plan(dir.path(), "missing.yaml", upload_plan(dir.path() / "no-such-build", "{upload}"));
  auto missing = run_cli({"plan", missing_plan.string()});
  EXPECT_EQ(missing.exit_code, 2) << missing.out << missing.err;
  EXPECT_NE(missing.err.find("missing.yaml:5:"), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("does not exist"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace fuselab
