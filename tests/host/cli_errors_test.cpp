// Bad input through the CLI: each gets a clear message and a non-zero exit, before any guest boots.
#include <gtest/gtest.h>

#include "support/cli_runner.h"

namespace fuselab {
namespace {

using testing::run_cli;
using testing::write_plan;

class CliErrors : public ::testing::Test {
 protected:
  TempDir dir{std::filesystem::temp_directory_path(), "fuselab-cli-"};
  std::string results() const { return (dir.path() / "results").string(); }
};

TEST_F(CliErrors, MissingPlanFile) {
  auto r = run_cli({"run", "/nonexistent/plan.yaml", "--results", results()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("/nonexistent/plan.yaml"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r.err;
}

TEST_F(CliErrors, MalformedYamlNamesFileAndLine) {
  auto plan = write_plan(dir.path(), "bad.yaml", "cells:\n  - id: a\n   oops: [\n");
  auto r = run_cli({"run", plan.string(), "--results", results()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(plan.string() + ":3:"), std::string::npos) << r.err;
}

TEST_F(CliErrors, UnknownKeyNamesKeyAndSuggestion) {
  auto plan =
      write_plan(dir.path(), "typo.yaml", "cells:\n  - id: a\n    workload: {size_mb: 4}\n");
  auto r = run_cli({"run", plan.string(), "--results", results()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(plan.string() + ":3:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("cells[0].workload.size_mb"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("size_mib"), std::string::npos) << r.err;
}

TEST_F(CliErrors, KernelThatDoesNotExist) {
  auto plan = write_plan(dir.path(), "k.yaml",
                         "cells:\n  - id: a\n    kernel: path:/nonexistent/bzImage\n");
  auto r = run_cli({"run", plan.string(), "--results", results()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("/nonexistent/bzImage"), std::string::npos) << r.err;
}

TEST_F(CliErrors, UnknownKernelSource) {
  auto plan = write_plan(dir.path(), "k.yaml", "cells:\n  - id: a\n    kernel: fedora:40\n");
  auto r = run_cli({"run", plan.string(), "--results", results()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown kernel source"), std::string::npos) << r.err;
}

TEST_F(CliErrors, ImageThatDoesNotExist) {
  auto plan = write_plan(dir.path(), "i.yaml", "cells:\n  - id: a\n    image: plan9\n");
  auto r = run_cli({"run", plan.string(), "--results", results()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("image 'plan9' does not exist"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("bookworm"), std::string::npos) << r.err;  // lists the known images
}

TEST_F(CliErrors, BadAccelerator) {
  auto plan = write_plan(dir.path(), "a.yaml", "cells:\n  - id: a\n");
  auto r = run_cli({"run", plan.string(), "--accel", "hvf", "--results", results()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--accel"), std::string::npos) << r.err;
}

TEST_F(CliErrors, HelpListsSubcommands) {
  auto r = run_cli({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* sub : {"run", "prepare", "probe-accel"})
    EXPECT_NE(r.out.find(sub), std::string::npos) << sub;
}

}  // namespace
}  // namespace fuselab
