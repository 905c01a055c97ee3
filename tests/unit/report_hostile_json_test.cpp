// Guest values of the wrong JSON type and hostile text in a finished run: the final table, the
// reports and the run.json reader tolerate them (they come after run.json was written, or from
// another machine's shard), and no terminal escape reaches the table.
#include <gtest/gtest.h>

#include "common/error.h"
#include "report/cell_metrics.h"
#include "report/kcidb_export.h"
#include "report/report_files.h"
#include "report_fixtures.h"

namespace fuselab {
namespace {

using nlohmann::json;
using report_test::kNasty;
using report_test::make_cell;

RunSummary hostile_run() {
  RunSummary run;
  run.run_id = "r";
  run.plan_name = "p";
  CellResult a = make_cell("a", Verdict::Hang, "PASS");
  a.agent_result = {{"mib_per_s", "fast"}, {"fio", {{"bw_bytes", {1, 2}}}}};
  a.timing = {{"boot_to_hello_s", "soon"}, {"cell_s", json::object()}, {"start_s", nullptr}};
  a.reason = kNasty;
  a.reports = json::array({json{{"title", 7}}, json("not an object")});
  a.signature = "x";
  CellResult b = make_cell("b", Verdict::Pass, "PASS");
  b.agent_result = json::array({1});
  b.timing = "not an object";
  b.reports = json("not an array");
  run.cells = {a, b};
  return run;
}

TEST(ReportHostileJson, TableSurvivesWrongTypesAndHasNoControls) {
  std::string table;
  ASSERT_NO_THROW(table = format_table(hostile_run()));
  for (char c : table) EXPECT_TRUE(c == '\n' || static_cast<unsigned char>(c) >= 0x20) << table;
  EXPECT_NE(table.find("UNEXPECTED"), std::string::npos);
}

TEST(ReportHostileJson, MetricsAndReportsSurviveWrongTypes) {
  RunSummary run = hostile_run();
  for (const auto& c : run.cells) {
    EXPECT_EQ(boot_seconds(c), std::nullopt);
    EXPECT_EQ(mib_per_second(c), std::nullopt);
    EXPECT_EQ(cell_seconds(c), 0.0);
    EXPECT_NO_THROW(decisive_report(c));
  }
  EXPECT_NO_THROW(to_kcidb(run, KcidbOptions{}));
  TempDir dir(std::filesystem::temp_directory_path(), "fuselab-hostile-report-");
  EXPECT_NO_THROW(write_reports(run, dir.path()));
}

TEST(ReportHostileJson, ReaderToleratesWrongTypesAndOutOfRangeNumbers) {
  json cell = {
      {"id", "a"},
      {"verdict", 5},
      {"matched", "yes"},
      {"attempts", 1e300},
      {"reason", {1}},
      {"timing", "x"},
      {"kernel", "x"},
      {"spec", {{"memory_mib", -4}, {"vcpus", 1e30}, {"axes", {{"k", 1}}}, {"server", 3}}}};
  json run = {{"schema", "fuselab.run/1"}, {"cells", {cell}}, {"wall_s", "long"}, {"plan", 3}};
  RunSummary r;
  ASSERT_NO_THROW(r = run_summary_from_json(run));
  ASSERT_EQ(r.cells.size(), 1u);
  EXPECT_EQ(r.cells[0].verdict, Verdict::Infra);
  EXPECT_EQ(r.cells[0].attempts, 0);
  EXPECT_EQ(r.cells[0].cell.memory_mib, CellSpec{}.memory_mib);
  EXPECT_EQ(r.cells[0].cell.vcpus, CellSpec{}.vcpus);
}

TEST(ReportHostileJson, ReaderRejectsIdsThatAreNotDirectoryNames) {
  for (const char* id : {"..", "../..", "/tmp/x", "a/b", ".", "a\x1b[2J"}) {
    json run = {{"schema", "fuselab.run/1"}, {"cells", {{{"id", id}, {"verdict", "PASS"}}}}};
    EXPECT_THROW(run_summary_from_json(run), UserError) << id;
  }
}

}  // namespace
}  // namespace fuselab
