// `fuselab figures` and `fuselab plot`: a configuration's boots grouped and summarized (only
// PASS boots measured), optional figures as medians, the CV target, and the plot's axes,
// ordering, panels and hostile labels.
#include <gtest/gtest.h>

#include "common/error.h"
#include "compare/axis_plot.h"
#include "compare/run_figures.h"

namespace fuselab {
namespace {

CellResult boot(const std::string& config, int repeat, std::map<std::string, std::string> axes,
                double mib_per_s, Verdict v = Verdict::Pass) {
  CellResult c;
  c.cell.id = config + ".r" + std::to_string(repeat);
  c.cell.axes = std::move(axes);
  c.verdict = v;
  c.agent_result = {{"fio",
                     {{"bw_bytes", mib_per_s * 1024 * 1024},
                      {"clat_p50_us", 10.0 * repeat},
                      {"clat_p99_us", 100.0 * repeat}}},
                    {"elapsed_s", 2.0},
                    {"server_requests", {{"write", 256 * repeat}}},
                    {"server", {{"latency_us", {{"write", {{"p99", 40.0 + repeat}}}}}}},
                    {"warmup", {{"bytes", 1 << 25}, {"elapsed_s", 0.5}}}};
  c.timing = {{"boot_to_hello_s", 3.0 + repeat}, {"cell_s", 10.0}};
  return c;
}

RunSummary study() {
  RunSummary run;
  run.run_id = "study";
  const std::vector<std::string> sizes = {"4k", "1m", "1k"};  // not in size order on purpose
  for (int r = 1; r <= 5; ++r)
    for (const std::string kernel : {"6.12", "7.2"})
      for (const auto& bs : sizes) {
        const double base = bs == "1k" ? 30 : bs == "4k" ? 60 : 100;
        const double figure = base * (kernel == "7.2" ? 1.4 : 1.0) + r;
        const std::string key = "bs=" + bs + ",kernel=" + kernel + ",server=null";
        run.cells.push_back(
            boot(key, r, {{"bs", bs}, {"kernel", kernel}, {"server", "null"}}, figure));
      }
  return run;
}

TEST(RunFigures, EachConfigurationSummarizesItsPassBootsOnly) {
  RunSummary run = study();
  // One boot of one configuration hangs: counted, not measured.
  run.cells[0].verdict = Verdict::Hang;
  auto figures = configuration_figures(run);
  ASSERT_EQ(figures.size(), 6u);
  const auto& first = figures[0];
  EXPECT_EQ(first.key, "bs=4k,kernel=6.12,server=null");
  EXPECT_EQ(first.cells, 5u);
  EXPECT_EQ(first.passed, 4u);
  ASSERT_EQ(first.mib_per_s.size(), 4u);
  EXPECT_NEAR(first.throughput.median, 63.5, 1e-9);  // 62, 63, 64, 65
  EXPECT_NEAR(first.throughput.min, 62, 1e-9);
  // The medians of the optional figures, over the PASS boots (repeats 2-5).
  EXPECT_NEAR(*first.fio_clat_p99_us, 350, 1e-9);
  EXPECT_NEAR(*first.server_writes, 896, 1e-9);
  EXPECT_NEAR(*first.server_write_p99_us, 43.5, 1e-9);
  EXPECT_NEAR(*first.warmup_s, 0.5, 1e-9);
  EXPECT_NEAR(*first.boot_s, 6.5, 1e-9);
  EXPECT_NEAR(*first.workload_s, 2.0, 1e-9);
  const auto& second = figures[1];
  EXPECT_EQ(second.passed, 5u);
  EXPECT_NEAR(second.throughput.median, 103, 1e-9);
  ASSERT_TRUE(second.throughput.median_ci.has_value());
  EXPECT_LE(second.throughput.median_ci->low, 103);
  EXPECT_GE(second.throughput.median_ci->high, 103);
}

TEST(RunFigures, MarkdownNamesEveryConfigurationAndTheOnesAboveTheCvTarget) {
  RunSummary run = study();
  run.cells[2].agent_result["fio"]["bw_bytes"] = 5.0 * 1024 * 1024;  // one wild 1k boot
  const auto figures = configuration_figures(run);
  const std::string md = figures_markdown(figures, 0.05);
  for (const auto& f : figures) EXPECT_NE(md.find(f.key), std::string::npos) << f.key;
  EXPECT_NE(md.find("CV above the 5 % target: bs=1k,kernel=6.12,server=null ("), std::string::npos)
      << md;
  const auto j = figures_json(figures);
  ASSERT_EQ(j.size(), 6u);
  EXPECT_EQ(j[0]["passed"], 5);
  EXPECT_EQ(j[0]["mib_per_s"].size(), 5u);
}

TEST(RunFigures, ABootWithoutOptionalFiguresLeavesThemEmpty) {
  RunSummary run;
  CellResult c;
  c.cell.id = "x.r1";
  c.verdict = Verdict::Pass;
  c.agent_result = {{"mib_per_s", "fast"}};  // mistyped: no figure, no throw
  run.cells.push_back(c);
  auto figures = configuration_figures(run);
  ASSERT_EQ(figures.size(), 1u);
  EXPECT_EQ(figures[0].throughput.n, 0u);
  EXPECT_FALSE(figures[0].fio_clat_p50_us.has_value());
  EXPECT_NE(figures_markdown(figures).find("| x | 1/1 | - |"), std::string::npos);
}

TEST(AxisPlot, SizesInSizeOrderOnePanelPerOtherAxisOneSeriesPerValue) {
  RunSummary run = study();
  for (int r = 1; r <= 3; ++r)  // a second server, 1m only
    run.cells.push_back(boot("bs=1m,kernel=7.2,server=passthrough_ll", r,
                             {{"bs", "1m"}, {"kernel", "7.2"}, {"server", "passthrough_ll"}},
                             50 + r));
  const auto figures = configuration_figures(run);
  Plot plot = make_plot(figures, {"bs", "kernel", ""});
  EXPECT_EQ(plot.x_values, (std::vector<std::string>{"1k", "4k", "1m"}));
  ASSERT_EQ(plot.panels.size(), 2u);
  EXPECT_EQ(plot.panels[0].facet, "server=null");
  EXPECT_EQ(plot.panels[1].facet, "server=passthrough_ll");
  ASSERT_EQ(plot.panels[0].series.size(), 2u);
  EXPECT_EQ(plot.panels[0].series[1].value, "7.2");
  const auto& p = plot.panels[0].series[1].points[2].figures;
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->key, "bs=1m,kernel=7.2,server=null");
  // The second panel has only 7.2 at 1m: the other points are gaps, not zeros.
  EXPECT_FALSE(plot.panels[1].series[0].points[2].figures.has_value());
  EXPECT_TRUE(plot.panels[1].series[1].points[2].figures.has_value());
  const std::string svg = plot_svg(plot, {"bs", "kernel", ""});
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_NE(svg.find("median 143.0 MiB/s over 5 boots"), std::string::npos);  // 100*1.4 + 3
  EXPECT_NE(svg.find("kernel=7.2"), std::string::npos);
  // An error bar for every point with an interval (n >= 3): 6 + 1.
  std::size_t bars = 0;
  for (auto at = svg.find("<path"); at != std::string::npos; at = svg.find("<path", at + 1)) ++bars;
  EXPECT_EQ(bars, 7u);
}

TEST(AxisPlot, NumbersSortAsNumbersAndOtherLabelsKeepThePlansOrder) {
  RunSummary run;
  for (const std::string jobs : {"4", "16", "2"})
    for (int r = 1; r <= 3; ++r)
      run.cells.push_back(boot("jobs=" + jobs, r, {{"jobs", jobs}, {"k", "a"}}, 10));
  Plot plot = make_plot(configuration_figures(run), {"jobs", "k", ""});
  EXPECT_EQ(plot.x_values, (std::vector<std::string>{"2", "4", "16"}));
  RunSummary names;
  for (const std::string s : {"zeta", "alpha"})
    names.cells.push_back(boot("s=" + s, 1, {{"s", s}, {"k", "a"}}, 10));
  EXPECT_EQ(make_plot(configuration_figures(names), {"s", "k", ""}).x_values,
            (std::vector<std::string>{"zeta", "alpha"}));
}

TEST(AxisPlot, WithoutASeriesAxisEveryXValueIsAPointOfOneLine) {
  RunSummary run;
  for (const std::string kib : {"1024", "64"})
    for (int r = 1; r <= 3; ++r)
      run.cells.push_back(boot("block_kib=" + kib, r, {{"block_kib", kib}}, 100));
  const PlotOptions o{"block_kib", "", ""};
  Plot plot = make_plot(configuration_figures(run), o);
  ASSERT_EQ(plot.panels.size(), 1u);
  EXPECT_EQ(plot.panels[0].facet, "(all)");
  ASSERT_EQ(plot.panels[0].series.size(), 1u);
  EXPECT_TRUE(plot.panels[0].series[0].points[0].figures.has_value());
  EXPECT_TRUE(plot.panels[0].series[0].points[1].figures.has_value());
  EXPECT_EQ(plot.x_values, (std::vector<std::string>{"64", "1024"}));
  EXPECT_NE(plot_svg(plot, o).find(">median</text>"), std::string::npos);
}

TEST(AxisPlot, UnknownOrRepeatedAxesAreUserErrors) {
  const auto figures = configuration_figures(study());
  EXPECT_THROW(make_plot(figures, {"numjobs", "kernel", ""}), UserError);
  EXPECT_THROW(make_plot(figures, {"bs", "colour", ""}), UserError);
  EXPECT_THROW(make_plot(figures, {"bs", "bs", ""}), UserError);
}

TEST(AxisPlot, LabelsFromARunFileAreEscaped) {
  RunSummary run;
  for (int r = 1; r <= 3; ++r)
    run.cells.push_back(boot("x", r, {{"bs", "<script>"}, {"kernel", "a&b"}}, 10));
  const std::string svg =
      plot_svg(make_plot(configuration_figures(run), {"bs", "kernel", ""}), {"bs", "kernel", ""});
  EXPECT_EQ(svg.find("<script>"), std::string::npos);
  EXPECT_NE(svg.find("&lt;script&gt;"), std::string::npos);
  EXPECT_NE(svg.find("a&amp;b"), std::string::npos);
}

}  // namespace
}  // namespace fuselab
