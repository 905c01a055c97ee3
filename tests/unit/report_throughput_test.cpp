// One throughput figure per cell in every output: a fio cell reports fio's own bandwidth (the
// agent's mib_per_s includes fio's start-up), a seq-write cell the agent's bytes / elapsed; the
// terminal table, the markdown summary, the HTML report and KCIDB all show the same number.
#include <gtest/gtest.h>

#include "report/cell_metrics.h"
#include "report/html_report.h"
#include "report/kcidb_export.h"
#include "report/summary_markdown.h"
#include "report_fixtures.h"

namespace fuselab {
namespace {

using nlohmann::json;
using report_test::make_cell;

// As the agent sends them (guest-agent messages.cpp, workload_fio.cpp): 256 MiB in 8 s is
// 32 MiB/s by bytes / elapsed; fio itself measured 40 MiB/s over its job's runtime.
CellResult fio_cell() {
  auto c = make_cell("fio-4k", Verdict::Pass, "PASS");
  c.agent_result = {
      {"msg", "result"},
      {"ok", true},
      {"bytes_written", 268435456},
      {"elapsed_s", 8.0},
      {"mib_per_s", 32.0},
      {"fio", {{"reported", true}, {"jobs", 2}, {"bw_bytes", 40.0 * 1048576}, {"iops", 10240.0}}}};
  return c;
}

CellResult seq_cell() {
  auto c = make_cell("seq-1m", Verdict::Pass, "PASS");
  c.agent_result = {{"msg", "result"},  {"ok", true},        {"bytes_written", 268435456},
                    {"elapsed_s", 5.0}, {"mib_per_s", 51.2}, {"fio", nullptr}};
  return c;
}

TEST(CellThroughput, FioCellIsFiosBandwidth) {
  auto t = cell_throughput(fio_cell());
  ASSERT_TRUE(t);
  EXPECT_EQ(t->basis, Throughput::Basis::FioBandwidth);
  EXPECT_DOUBLE_EQ(t->mib_per_s, 40.0);
  EXPECT_EQ(basis_text(t->basis), "fio bandwidth");
  EXPECT_EQ(mib_per_second(fio_cell()), 40.0);
}

TEST(CellThroughput, SeqWriteCellIsBytesOverElapsed) {
  auto t = cell_throughput(seq_cell());
  ASSERT_TRUE(t);
  EXPECT_EQ(t->basis, Throughput::Basis::BytesOverElapsed);
  EXPECT_DOUBLE_EQ(t->mib_per_s, 51.2);
  EXPECT_EQ(basis_text(t->basis), "bytes written / elapsed");
}

TEST(CellThroughput, FioThatNeverReportedFallsBackAndNoResultHasNone) {
  auto c = fio_cell();
  c.agent_result["fio"] = {{"reported", false}};
  auto t = cell_throughput(c);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->basis, Throughput::Basis::BytesOverElapsed);
  EXPECT_DOUBLE_EQ(t->mib_per_s, 32.0);
  EXPECT_FALSE(cell_throughput(make_cell("infra", Verdict::Infra, "PASS")));
}

TEST(CellThroughput, EveryOutputShowsTheSameFigure) {
  RunSummary run;
  run.run_id = "20261201-150000-abcd";
  run.plan_name = "throughput";
  run.cells = {fio_cell(), seq_cell()};

  const std::string table = format_table(run);
  EXPECT_NE(table.find("      40.0  "), std::string::npos) << table;
  EXPECT_NE(table.find("      51.2  "), std::string::npos) << table;
  EXPECT_EQ(table.find("32.0"), std::string::npos) << table;

  const std::string md = to_summary_markdown(run);
  EXPECT_NE(md.find("| 20.0 | 40.0 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 20.0 | 51.2 |"), std::string::npos) << md;
  EXPECT_NE(md.find("MiB/s: fio bandwidth for fio cells, bytes written / elapsed for the others."),
            std::string::npos)
      << md;

  const std::string html = to_html_report(run);
  EXPECT_NE(html.find(R"(<span title="fio bandwidth">40.0 MiB/s</span>)"), std::string::npos);
  EXPECT_NE(html.find(R"(<span title="bytes written / elapsed">51.2 MiB/s</span>)"),
            std::string::npos);
  EXPECT_NE(html.find("fio-4k: 40.0 MiB/s (fio bandwidth)"), std::string::npos);
  EXPECT_EQ(html.find("32.0"), std::string::npos);

  const json kcidb = to_kcidb(run);
  ASSERT_EQ(kcidb["tests"].size(), 2u);
  EXPECT_DOUBLE_EQ(kcidb["tests"][0]["misc"]["mib_per_s"].get<double>(), 40.0);
  EXPECT_EQ(kcidb["tests"][0]["misc"]["mib_per_s_basis"], "fio bandwidth");
  EXPECT_DOUBLE_EQ(kcidb["tests"][1]["misc"]["mib_per_s"].get<double>(), 51.2);
  EXPECT_EQ(kcidb["tests"][1]["misc"]["mib_per_s_basis"], "bytes written / elapsed");
}

TEST(CellThroughput, MarkdownSaysNothingExtraWithoutFio) {
  RunSummary run;
  run.run_id = "r";
  run.cells = {seq_cell()};
  EXPECT_EQ(to_summary_markdown(run).find("fio bandwidth"), std::string::npos);
}

}  // namespace
}  // namespace fuselab
