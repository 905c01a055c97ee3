// summary.md and run.json reading: the table keeps one row per cell whatever the guest printed.
#include <gtest/gtest.h>

#include <sstream>

#include "common/error.h"
#include "report/summary_markdown.h"
#include "report_fixtures.h"

namespace fuselab {
namespace {

namespace fs = std::filesystem;
using report_test::data_dir;

std::vector<std::string> table_rows(const std::string& md) {
  std::vector<std::string> rows;
  std::istringstream in(md);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("|")) rows.push_back(line);
  }
  return rows;
}

// Cells of a GitHub table row: split on '|' not preceded by a backslash.
std::size_t column_count(const std::string& row) {
  std::size_t pipes = 0;
  for (std::size_t i = 0; i < row.size(); ++i) {
    if (row[i] == '|' && (i == 0 || row[i - 1] != '\\')) ++pipes;
  }
  return pipes - 1;
}

TEST(ReportRunJson, RealRunRoundTrips) {
  const auto run = load_run_summary(data_dir("smoke-pass"));
  EXPECT_EQ(run.run_id, "20261125-101456-a3b3");
  EXPECT_EQ(run.plan_name, "smoke");
  EXPECT_EQ(run.accel, "tcg");
  ASSERT_EQ(run.cells.size(), 2u);
  EXPECT_EQ(run.cells[1].cell.id, "null-wbc-4t");
  EXPECT_EQ(run.cells[1].cell.server.threads, 4u);
  EXPECT_TRUE(run.cells[1].cell.server.writeback_cache);
  EXPECT_EQ(run.cells[0].verdict, Verdict::Pass);
  EXPECT_TRUE(run.cells[0].matched);
  // What the reader restores, to_json writes back the same (the fields both know).
  const auto again = to_json(run);
  const auto original = nlohmann::json::parse(read_file(data_dir("smoke-pass") / "run.json"));
  EXPECT_EQ(again["cells"][0]["timing"], original["cells"][0]["timing"]);
  EXPECT_EQ(again["cells"][1]["agent_result"], original["cells"][1]["agent_result"]);
  EXPECT_EQ(again["exit_code"], original["exit_code"]);
}

TEST(ReportRunJson, RejectsOtherDocuments) {
  EXPECT_THROW(run_summary_from_json(nlohmann::json::array()), UserError);
  EXPECT_THROW(run_summary_from_json({{"schema", "fuselab.run/2"}}), UserError);
  // Mistyped fields are missing, not fatal: an interrupted run's record must still load.
  auto run = run_summary_from_json(
      {{"schema", "fuselab.run/1"}, {"wall_s", "soon"}, {"cells", {{{"verdict", 3}}}}});
  EXPECT_EQ(run.wall_s, 0);
  ASSERT_EQ(run.cells.size(), 1u);
  EXPECT_EQ(run.cells[0].verdict, Verdict::Infra);
}

TEST(ReportRunJson, MatrixCellKeepsItsAxes) {
  auto run = run_summary_from_json(
      {{"schema", "fuselab.run/1"},
       {"cells",
        {{{"id", "k61-v1"},
          {"verdict", "HANG"},
          {"expected", "HANG"},
          {"spec",
           {{"axes", {{"kernel", "6.1"}, {"cgroup", "v1"}}}, {"expect_signature", "x"}}}}}}});
  ASSERT_EQ(run.cells.size(), 1u);
  EXPECT_EQ(run.cells[0].cell.axes.at("cgroup"), "v1");
  EXPECT_EQ(run.cells[0].cell.expect_signature, "x");
  EXPECT_EQ(run.cells[0].verdict, Verdict::Hang);
}

TEST(ReportSummary, RealRunHeaderAndRows) {
  const auto md = to_summary_markdown(load_run_summary(data_dir("smoke-pass")));
  EXPECT_NE(md.find("all as expected"), std::string::npos) << md;
  EXPECT_NE(md.find("2 PASS"), std::string::npos) << md;
  EXPECT_NE(md.find("accelerator tcg"), std::string::npos) << md;
  const auto rows = table_rows(md);
  ASSERT_EQ(rows.size(), 4u) << md;  // header, separator, two cells
  EXPECT_NE(rows[2].find("| null-1t | PASS | PASS | ✅ | 6.71 | 15.2 | 48.5 |"), std::string::npos)
      << rows[2];
}

TEST(ReportSummary, HostileStringsKeepOneRowPerCell) {
  TempDir dir(fs::temp_directory_path(), "fuselab-md-");
  const auto run = report_test::mixed_run(dir.path());
  const auto md = to_summary_markdown(run);
  EXPECT_NE(md.find("UNEXPECTED RESULTS"), std::string::npos);
  EXPECT_NE(md.find("1 PASS, 2 HANG, 1 INFRA, 1 SKIP; 2 not as expected"), std::string::npos) << md;
  const auto rows = table_rows(md);
  ASSERT_EQ(rows.size(), 2 + run.cells.size()) << md;
  for (const auto& row : rows) EXPECT_EQ(column_count(row), 8u) << row;
  EXPECT_EQ(md.find("<script"), std::string::npos);
  EXPECT_NE(rows[3].find("| HANG | PASS | ❌ |"), std::string::npos) << rows[3];
  EXPECT_NE(rows[4].find("| INFRA | PASS | ❌ | – |"), std::string::npos) << rows[4];
}

TEST(ReportSummary, EmptyRun) {
  RunSummary run;
  run.run_id = "r";
  const auto md = to_summary_markdown(run);
  EXPECT_NE(md.find("0 cell(s): none"), std::string::npos) << md;
  EXPECT_TRUE(table_rows(md).empty());
}

}  // namespace
}  // namespace fuselab
