// Cells whose ids differ only in '_' vs '=' and ',', or only after their 42nd character, run side
// by side (-j 2) without touching each other's guest or overlay: every one PASSes, none is INFRA.
// Before guest names carried a hash of the whole id, these pairs mapped to one name: qemu-img
// failed on the other cell's lock and one cell's cleanup deleted the other's live overlay.
#include <gtest/gtest.h>

#include <future>
#include <set>

#include "support/cli_runner.h"

namespace fuselab {
namespace {

namespace fs = std::filesystem;

TEST(VmSimilarIds, JobsTwoOverNearlyEqualIdsRunsClean) {
  TempDir dir(fs::temp_directory_path(), "fuselab-vm-");
  const std::string shared = "similar-ids-that-share-a-long-prefix-of-42";  // 42 characters
  ASSERT_EQ(shared.size(), 42u);
  auto plan =
      testing::write_plan(dir.path(), "similar.yaml",
                          "name: similar-ids\n"
                          "defaults:\n  workload: {size_mib: 16}\n"
                          "axes:\n  backend: [null, memory]\n  writeback_cache: [false, true]\n"
                          "cells:\n"
                          "  - id: backend_memory_writeback_cache_true\n"
                          "  - id: " +
                              shared +
                              "-a1\n"
                              "  - id: " +
                              shared + "-a2\n");
  const std::vector<std::string> cells = {"backend=memory,writeback_cache=true",
                                          "backend_memory_writeback_cache_true", shared + "-a1",
                                          shared + "-a2"};
  std::vector<std::string> args = {
      "run",     plan.string(), "--results", (dir.path() / "results").string(),
      "--accel", "tcg",         "-j",        "2"};
  for (const auto& c : cells) args.insert(args.end(), {"--cell", c});
  auto r = testing::run_cli(args);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  auto run = testing::read_json(testing::only_run_dir(dir.path() / "results") / "run.json");
  ASSERT_EQ(run["cells"].size(), cells.size()) << run.dump(2);
  std::set<std::string> names;
  for (const auto& c : run["cells"]) {
    EXPECT_EQ(c["verdict"], "PASS") << c["id"] << ": " << c.value("reason", "");
    EXPECT_EQ(c["attempts"], 1) << c["id"] << " needed a retry: " << c.value("reason", "");
    // Each cell's guest had its own name (and so its own overlay file).
    std::string xml = read_file(testing::only_run_dir(dir.path() / "results") /
                                c["id"].get<std::string>() / "domain.xml");
    auto at = xml.find("<name>") + 6;
    EXPECT_TRUE(names.insert(xml.substr(at, xml.find("</name>") - at)).second) << c["id"];
  }
}

// Two runs at once (two CI jobs, two users): each claims its own embedded libvirt slot. Before,
// the second tried slot 0, failed on libvirt's lock, and libvirt then refused every other slot in
// that process ("qemu state driver is not active"): exit 3. The cells write 512 MiB so that the
// runs overlap even when one waits a few seconds for the other's kernel lock.
TEST(VmSimilarIds, TwoRunsAtOnceBothPass) {
  TempDir dir(fs::temp_directory_path(), "fuselab-vm-");
  auto plan = testing::write_plan(dir.path(), "one.yaml",
                                  "cells:\n  - id: one\n    workload: {size_mib: 512}\n");
  auto run = [&](const std::string& id) {
    return testing::run_cli({"run", plan.string(), "--results", (dir.path() / "results").string(),
                             "--run-id", id, "--accel", "tcg"});
  };
  auto second = std::async(std::launch::async, run, "second");
  auto first = run("first");
  auto other = second.get();
  EXPECT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(other.exit_code, 0) << other.err;
  auto a = testing::read_json(dir.path() / "results/first/run.json");
  auto b = testing::read_json(dir.path() / "results/second/run.json");
  EXPECT_NE(a["libvirt_uri"], b["libvirt_uri"]) << "both runs used one embedded root";
}

}  // namespace
}  // namespace fuselab
