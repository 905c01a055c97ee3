// `fuselab repro` on what a user may get wrong: each a clear error (exit 2) that says what to
// give instead, before any guest boots.
#include <gtest/gtest.h>

#include "support/cli_runner.h"

namespace fuselab {
namespace {

namespace fs = std::filesystem;
using testing::run_cli;
using testing::write_plan;

TEST(CliReproErrors, APlanWithoutACellSaysHowToListThem) {
  TempDir dir(fs::temp_directory_path(), "fuselab-host-");
  auto plan = write_plan(dir.path(), "p.yaml", "cells:\n  - id: a\n  - id: b\n");
  auto r = run_cli({"repro", plan.string(), "--results", (dir.path() / "r").string()});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("needs --cell ID"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("fuselab plan"), std::string::npos) << r.err;
}

TEST(CliReproErrors, AnUnknownCellIsNamed) {
  TempDir dir(fs::temp_directory_path(), "fuselab-host-");
  auto plan = write_plan(dir.path(), "p.yaml", "cells:\n  - id: a\n");
  auto r =
      run_cli({"repro", plan.string(), "--cell", "nope", "--results", (dir.path() / "r").string()});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("nope"), std::string::npos) << r.err;
}

TEST(CliReproErrors, ADirectoryThatIsNotACellOfARunIsRefused) {
  TempDir dir(fs::temp_directory_path(), "fuselab-host-");
  fs::create_directories(dir.path() / "run" / "cell");
  auto r = run_cli({"repro", (dir.path() / "run" / "cell").string()});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("not a cell directory of a fuselab run"), std::string::npos) << r.err;
}

TEST(CliReproErrors, ACellDirectoryAndADifferentCellDisagree) {
  TempDir dir(fs::temp_directory_path(), "fuselab-host-");
  fs::create_directories(dir.path() / "run" / "cell");
  write_plan(dir.path() / "run", "plan.yaml", "cells:\n  - id: cell\n");
  auto r = run_cli({"repro", (dir.path() / "run" / "cell").string(), "--cell", "other"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("does not match"), std::string::npos) << r.err;
}

// `fuselab sysrq` reaches guests through a daemon only: with the embedded driver it says why not
// and what to press instead; a key it does not bind is refused before any connection.
TEST(CliReproErrors, SysrqWithoutADaemonAndAnUnboundKeyAreClearErrors) {
  auto embedded = run_cli({"sysrq", "some-guest", "w"});
  EXPECT_EQ(embedded.exit_code, 2) << embedded.out << embedded.err;
  EXPECT_NE(embedded.err.find("embedded"), std::string::npos) << embedded.err;
  EXPECT_NE(embedded.err.find("Ctrl-] then w"), std::string::npos) << embedded.err;
  auto bad = run_cli({"sysrq", "some-guest", "b", "--connect", "qemu:///system"});
  EXPECT_EQ(bad.exit_code, 2) << bad.out << bad.err;
  EXPECT_NE(bad.err.find("want one of w, t, m, l"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace fuselab
