// report.html's chart of a repeated run: per configuration one whisker for the 95 % bootstrap
// interval of its PASS boots' median, with median, CI, n and CV in the row's tooltip, one chart
// per value of the axis with fewest values; a run without repeats has no such section.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "common/statistics.h"
#include "report/html_report.h"
#include "report_fixtures.h"
#include "support/text_count.h"

namespace fuselab {
namespace {

constexpr std::string_view kHeading = "<h2>Throughput over repeats</h2>";

using testing::count;

// The repeat section of a page, up to the next heading; "" when the page has none.
std::string repeat_section(const std::string& html) {
  const auto start = html.find(kHeading);
  if (start == std::string::npos) return {};
  const auto end = html.find("<h2>", start + kHeading.size());
  return html.substr(start, end - start);
}

// Boot r (1-based) of a configuration around `base` MiB/s: 5 boots give a median of `base`.
double figure(double base, int r) {
  static constexpr double kSpread[] = {0, 3, -2, 5, -4};
  return base + kSpread[(r - 1) % 5];
}

CellResult boot(const std::string& key, int r, std::map<std::string, std::string> axes,
                double mib_per_s) {
  auto c = report_test::make_cell(key + ".r" + std::to_string(r), Verdict::Pass, "PASS");
  c.cell.axes = std::move(axes);
  c.agent_result = {{"mib_per_s", mib_per_s}};
  return c;
}

struct Config {
  std::string kernel, server;
  double base;
  std::string key() const { return "kernel=" + kernel + ",server=" + server; }
};
const std::vector<Config> kConfigs = {{"6.12", "null", 100},
                                      {"6.12", "passthrough_ll", 40},
                                      {"7.2", "null", 120},
                                      {"7.2", "passthrough_ll", 42}};

// configs/throughput.yaml's shape, smaller: kernel x server, 5 boots each, rounds interleaved.
RunSummary study() {
  RunSummary run;
  run.run_id = "20261201-150000-abcd";
  run.plan_name = "throughput";
  for (int r = 1; r <= 5; ++r) {
    for (const auto& c : kConfigs) {
      run.cells.push_back(
          boot(c.key(), r, {{"kernel", c.kernel}, {"server", c.server}}, figure(c.base, r)));
    }
  }
  return run;
}

std::vector<double> boots_of(const Config& c) {
  std::vector<double> v;
  for (int r = 1; r <= 5; ++r) v.push_back(figure(c.base, r));
  return v;
}

TEST(ReportHtmlRepeatChart, OneWhiskerPerConfigurationWithItsFiguresInTheTooltip) {
  const std::string html = to_html_report(study());
  const std::string section = repeat_section(html);
  ASSERT_FALSE(section.empty()) << html;
  EXPECT_EQ(count(section, R"(class="ci")"), kConfigs.size()) << section;
  // A chart per kernel (2 values; server has 2 too, kernel wins by name), rows per server.
  EXPECT_EQ(count(section, "<svg"), 2u);
  const auto second_chart = section.find("kernel = 7.2");
  ASSERT_NE(section.find("kernel = 6.12"), std::string::npos);
  ASSERT_NE(second_chart, std::string::npos);
  EXPECT_EQ(count(section.substr(0, second_chart), R"(class="ci")"), 2u);
  EXPECT_EQ(count(section, ">server=passthrough_ll</text>"), 2u);
  for (const auto& c : kConfigs) {
    const stats::Summary s = stats::summarize(boots_of(c));
    EXPECT_DOUBLE_EQ(s.median, c.base);
    ASSERT_TRUE(s.median_ci);
    const std::string tip = fmt::format(
        "<title>{}: median {:.1f} MiB/s, 95 % CI [{:.1f}, {:.1f}], n 5 of 5 boot(s), CV {:.1f} "
        "%</title>",
        c.key(), s.median, s.median_ci->low, s.median_ci->high, s.cv * 100);
    EXPECT_EQ(count(section, tip), 1u) << tip << "\n" << section;
  }
}

TEST(ReportHtmlRepeatChart, BootsThatDidNotPassAreCountedNotMeasured) {
  RunSummary run = study();
  // Three of the first configuration's five boots hang: two PASS figures, too few for an interval.
  for (std::size_t i = 0; i < 3; ++i) run.cells[i * kConfigs.size()].verdict = Verdict::Hang;
  const std::string section = repeat_section(to_html_report(run));
  EXPECT_EQ(count(section, R"(class="ci")"), kConfigs.size() - 1) << section;
  const double median = (figure(100, 4) + figure(100, 5)) / 2;
  EXPECT_NE(section.find(fmt::format("{}: median {:.1f} MiB/s, no CI (fewer than 3 PASS boots), "
                                     "n 2 of 5 boot(s)",
                                     kConfigs[0].key(), median)),
            std::string::npos)
      << section;
}

TEST(ReportHtmlRepeatChart, OneVaryingAxisIsOneChart) {
  RunSummary run;
  for (int r = 1; r <= 3; ++r) {
    for (const char* bs : {"1k", "1m"})
      run.cells.push_back(boot(std::string("bs=") + bs, r, {{"bs", bs}}, figure(50, r)));
  }
  const std::string section = repeat_section(to_html_report(run));
  EXPECT_EQ(count(section, "<svg"), 1u) << section;
  EXPECT_EQ(count(section, R"(class="ci")"), 2u) << section;
  EXPECT_NE(section.find(">bs=1m</text>"), std::string::npos) << section;
}

TEST(ReportHtmlRepeatChart, RunWithoutRepeatsOrFiguresHasNoSection) {
  const std::string single = to_html_report(load_run_summary(report_test::data_dir("smoke-pass")));
  EXPECT_NE(single.find("<h2>Throughput</h2>"), std::string::npos);
  EXPECT_EQ(single.find(kHeading), std::string::npos);
  EXPECT_EQ(single.find(R"(class="ci")"), std::string::npos);

  // Repeated, but every boot hung: nothing to chart.
  RunSummary hangs = study();
  for (auto& c : hangs.cells) c.verdict = Verdict::Hang;
  EXPECT_EQ(to_html_report(hangs).find(kHeading), std::string::npos);
}

}  // namespace
}  // namespace fuselab
