// report.html as text: self-contained, every guest string escaped, links relative to the run
// folder, the grid over two axes. How it renders is the host test's job (headless Chromium).
#include <gtest/gtest.h>

#include "report/html_report.h"
#include "report_fixtures.h"
#include "support/text_count.h"

namespace fuselab {
namespace {

namespace fs = std::filesystem;

using testing::count;

void expect_self_contained(const std::string& html) {
  EXPECT_NE(html.find("Content-Security-Policy\" content=\"default-src 'none'"), std::string::npos);
  for (const char* fetch :
       {"<script", "<link", "<img", "<iframe", "src=", "url(", "@import", "https://"}) {
    EXPECT_EQ(html.find(fetch), std::string::npos) << fetch;
  }
  // The only absolute URL is the SVG namespace, which is a name, not a fetch.
  EXPECT_EQ(count(html, "http://"), count(html, "xmlns=\"http://www.w3.org/2000/svg\""));
}

TEST(ReportHtml, RealRunHasTilesLinksAndCharts) {
  const auto html = to_html_report(load_run_summary(report_test::data_dir("smoke-pass")));
  expect_self_contained(html);
  EXPECT_EQ(count(html, "<div class=\"cell\""), 2u);
  for (const char* f : {"console.log", "result.json", "agent.jsonl", "domain.xml"}) {
    EXPECT_NE(html.find(std::string("href=\"null-wbc-4t/") + f + "\""), std::string::npos) << f;
  }
  EXPECT_EQ(count(html, "<svg"), 2u);
  EXPECT_NE(html.find("48.5"), std::string::npos);  // the throughput figure
  EXPECT_NE(html.find("<title>fuselab 20261125-101456-a3b3 (smoke)</title>"), std::string::npos);
}

TEST(ReportHtml, TwoAxisGrid) {
  const auto run = load_run_summary(report_test::data_dir("smoke-pass"));
  const auto html = to_html_report(run, {"/server/threads", "/server/writeback_cache"});
  EXPECT_NE(html.find("<table class=\"grid\">"), std::string::npos);
  EXPECT_NE(html.find("<th>false</th><th>true</th>"), std::string::npos) << html;
  EXPECT_NE(html.find("<tr><th>1</th>"), std::string::npos);
  EXPECT_NE(html.find("<tr><th>4</th>"), std::string::npos);
  // Squares without a cell stay empty: 2 rows x 2 columns, 2 cells.
  EXPECT_EQ(count(html, "<td></td>"), 2u);
  // A pointer naming nothing, or a malformed one, still renders.
  EXPECT_NE(to_html_report(run, {"/axes/kernel", "no-slash"}).find("(bad axis)"),
            std::string::npos);
}

TEST(ReportHtml, DefaultAxesAreTheTwoWithMostValues) {
  RunSummary run;
  EXPECT_TRUE(default_grid_axes(run).row_axis.empty());
  for (const char* kernel : {"6.1", "6.12", "7.2"}) {
    for (const char* cgroup : {"v1", "v2"}) {
      auto c = report_test::make_cell(std::string(kernel) + "-" + cgroup, Verdict::Pass, "PASS");
      c.cell.axes = {{"kernel", kernel}, {"cgroup", cgroup}, {"backend", "null"}, {"a/b", "x"}};
      run.cells.push_back(c);
    }
  }
  run.cells[0].cell.axes["a/b"] = "y";  // two values, like cgroup; name order breaks the tie
  const HtmlOptions o = default_grid_axes(run);
  EXPECT_EQ(o.row_axis, "/axes/kernel");
  EXPECT_EQ(o.column_axis, "/axes/a~1b");
  const auto html = to_html_report(run, {"/axes/kernel", "/axes/cgroup"});
  EXPECT_NE(html.find("<th>v1</th><th>v2</th>"), std::string::npos);
  EXPECT_EQ(count(html, "<td><div class=\"cell\""), 6u);  // every square holds one cell
}

TEST(ReportHtml, GuestStringsAreEscaped) {
  TempDir dir(fs::temp_directory_path(), "fuselab-html-");
  const auto html = to_html_report(report_test::mixed_run(dir.path()));
  expect_self_contained(html);
  EXPECT_EQ(html.find("</failure>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;x&#39;)"), std::string::npos);
  EXPECT_EQ(html.find('\x1b'), std::string::npos);
  EXPECT_EQ(html.find('\0'), std::string::npos);
  // The hostile cell id is one percent-encoded path segment: no "javascript:" link.
  EXPECT_EQ(html.find("href=\"javascript"), std::string::npos);
  EXPECT_NE(html.find("href=\"%5D%5D%3E%3C%2Ffailure%3E"), std::string::npos);
  EXPECT_EQ(count(html, "class=\"cell miss\""), 2u);  // HANG and INFRA were not expected
}

// A real HANG run of the unguarded deadlock cell (7.2 lab kernel): the report shows where it is
// stuck without opening a file, and draws no throughput chart of "no result" rows.
TEST(ReportHtml, HangRunShowsDecisiveStackAndBlockedTasks) {
  const auto html = to_html_report(load_run_summary(report_test::data_dir("hang-deadlock")));
  expect_self_contained(html);
  EXPECT_NE(html.find("<h2>Evidence</h2>"), std::string::npos);
  EXPECT_NE(html.find("Decisive report: INFO: task hung in shrink_folio_list"), std::string::npos);
  // The report's frames, top first, and the monitor's task table with wchan per role.
  const auto frames = html.find("folio_wait_writeback");
  ASSERT_NE(frames, std::string::npos);
  EXPECT_LT(frames, html.find("shrink_folio_list", frames));
  EXPECT_NE(html.find("<td>server</td><td>D</td><td>folio_wait_bit_common</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<td>writer</td><td>D</td><td>reclaim_throttle</td>"), std::string::npos);
  EXPECT_NE(html.find("FUSE connections: "), std::string::npos);
  EXPECT_NE(html.find("Tested memcg: path "), std::string::npos);
  EXPECT_EQ(html.find("<h2>Throughput</h2>"), std::string::npos);
  EXPECT_EQ(count(html, "<svg"), 1u);  // the timing chart only
}

TEST(ReportHtml, PassRunHasNoEvidenceSection) {
  const auto html = to_html_report(load_run_summary(report_test::data_dir("smoke-pass")));
  EXPECT_EQ(html.find("<h2>Evidence</h2>"), std::string::npos);
}

TEST(ReportHtml, HostileEvidenceIsEscapedAndBounded) {
  RunSummary run;
  auto c = report_test::make_cell("c", Verdict::Hang, "PASS");
  c.signature = report_test::kNasty;
  c.reports = nlohmann::json::array({{{"title", report_test::kNasty},
                                      {"task", 7},
                                      {"frames", {report_test::kNasty, 3}},
                                      {"count", "many"}}});
  c.agent_stall = {{"msg", "hang"},
                   {"tasks",
                    {{{"comm", report_test::kNasty},
                      {"tid", "x"},
                      {"stack", std::string(1 << 20, 'A') + report_test::kNasty}},
                     42}},
                   {"fuse_connections", {{"40", "not an object"}}},
                   {"memcg", {{"path", report_test::kNasty}, {"memory.max", 1}}}};
  run.cells.push_back(c);
  const auto html = to_html_report(run);
  expect_self_contained(html);
  EXPECT_EQ(html.find("</failure>"), std::string::npos);
  EXPECT_EQ(html.find('\x1b'), std::string::npos);
  EXPECT_NE(html.find("<h2>Evidence</h2>"), std::string::npos);
  EXPECT_LT(html.size(), 64u << 10);  // the 1 MiB stack is cut
}

// A cell with a trace gets a "Traces" section (its counts, the begins without an end)
// and a trace.txt link; a run without traces has no such section.
TEST(ReportHtml, TraceSectionShowsCountsAndOpenPairsEscaped) {
  RunSummary run;
  run.run_id = "r";
  run.cells.push_back(report_test::make_cell("hang", Verdict::Hang, "HANG"));
  EXPECT_EQ(to_html_report(run).find("<h2>Traces</h2>"), std::string::npos);
  run.cells[0].trace = {
      {"file", "trace.txt"},
      {"counts", {{"mm_vmscan_memcg_reclaim_begin", 8}, {report_test::kNasty, 1}}},
      {"timeline", {{"mm_vmscan_memcg_reclaim_begin", {{"first", 3.5}, {"last", 33.5}}}}},
      {"unfinished",
       {{{"pair", "mm_vmscan_memcg_reclaim_begin/_end"},
         {"pid", 43},
         {"comm", report_test::kNasty},
         {"open", 1},
         {"since", 3.75},
         {"open_s", 31.3}}}},
      {"agent", {{"reason", "stall"}, {"bytes", 53868}, {"chunks", 14}, {"overrun", 0}}}};
  const auto html = to_html_report(run);
  expect_self_contained(html);
  EXPECT_NE(html.find("<h2>Traces</h2>"), std::string::npos);
  EXPECT_NE(html.find("<td>mm_vmscan_memcg_reclaim_begin</td><td class=\"n\">8</td>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("taken on stall · 53868 bytes in 14 chunks"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"n\">43</td>"), std::string::npos);
  EXPECT_NE(html.find("hang/trace.txt"), std::string::npos);
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  // A summary of the wrong shape (a merged run from anywhere) still renders.
  run.cells[0].trace = {{"counts", 7}, {"unfinished", {1, "x"}}, {"agent", "?"}};
  EXPECT_NE(to_html_report(run).find("<h2>Traces</h2>"), std::string::npos);
}

TEST(ReportHtml, EmptyRun) {
  RunSummary run;
  run.run_id = "r";
  const auto html = to_html_report(run);
  expect_self_contained(html);
  EXPECT_NE(html.find("No cell finished."), std::string::npos);
  EXPECT_NE(html.find("</html>"), std::string::npos);
}

}  // namespace
}  // namespace fuselab
