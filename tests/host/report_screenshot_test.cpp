// report.html in a real browser: headless Chromium (Debian package `chromium`) renders the page
// written by write_reports() for a real run, and parses the page of a run full of hostile guest
// strings. Skipped when Chromium is not installed.
#include <gtest/gtest.h>

#include <cstdint>

#include "common/subprocess.h"
#include "report/report_files.h"
#include "unit/report_fixtures.h"

namespace fuselab {
namespace {

namespace fs = std::filesystem;

constexpr const char* kChromium = "/usr/bin/chromium";
constexpr int kWidth = 1400, kHeight = 900;

class ReportInChromium : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kChromium)) GTEST_SKIP() << "chromium not installed (Debian package chromium)";
  }

  // Runs headless Chromium on a local file with a fresh profile and no network use; a page that
  // hangs the browser fails the test at the deadline instead of hanging CI.
  CommandResult chromium(const std::vector<std::string>& args, const fs::path& page) {
    TempDir profile(dir.path(), "profile-");
    std::vector<std::string> argv{kChromium,
                                  "--headless",
                                  "--no-sandbox",  // root in CI; the page is our own file
                                  "--disable-gpu",
                                  "--disable-quic",
                                  "--no-first-run",
                                  "--disable-background-networking",
                                  "--disable-component-update",
                                  "--disable-sync",
                                  "--user-data-dir=" + profile.path().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("file://" + page.string());
    return run_command(argv, {.timeout = std::chrono::seconds(90)}, "chromium");
  }

  // Screenshot of `page`; returns the PNG's bytes.
  std::string screenshot(const fs::path& page, const std::string& name) {
    const fs::path png = dir.path() / name;
    auto r = chromium({"--screenshot=" + png.string(),
                       "--window-size=" + std::to_string(kWidth) + "," + std::to_string(kHeight),
                       "--hide-scrollbars"},
                      page);
    EXPECT_FALSE(r.timed_out) << "chromium did not finish";
    EXPECT_TRUE(fs::exists(png)) << r.err;
    return fs::exists(png) ? read_file(png) : std::string();
  }

  TempDir dir{fs::temp_directory_path(), "fuselab-chromium-"};
};

std::uint32_t big_endian(const std::string& s, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<std::uint8_t>(s[at + i]);
  return v;
}

TEST_F(ReportInChromium, ScreenshotOfARealRunIsTheRequestedSizeAndNotBlank) {
  const fs::path run_dir = dir.path() / "run";
  fs::copy(report_test::data_dir("smoke-pass"), run_dir, fs::copy_options::recursive);
  write_reports(load_run_summary(run_dir), run_dir);
  ASSERT_TRUE(fs::exists(run_dir / "report.html"));

  const std::string png = screenshot(run_dir / "report.html", "report.png");
  ASSERT_GT(png.size(), 24u);
  ASSERT_EQ(png.substr(0, 8), "\x89PNG\r\n\x1a\n");
  ASSERT_EQ(png.substr(12, 4), "IHDR");
  EXPECT_EQ(big_endian(png, 16), static_cast<std::uint32_t>(kWidth));
  EXPECT_EQ(big_endian(png, 20), static_cast<std::uint32_t>(kHeight));

  // A page of one colour compresses to almost nothing; the report (text, tiles, bars) does not.
  write_file_atomic(dir.path() / "blank.html", "<!DOCTYPE html><html><body></body></html>\n");
  const std::string blank = screenshot(dir.path() / "blank.html", "blank.png");
  ASSERT_FALSE(blank.empty());
  EXPECT_GT(png.size(), 5 * blank.size())
      << "report " << png.size() << " B, blank " << blank.size();
}

TEST_F(ReportInChromium, HostileStringsStayText) {
  const fs::path run_dir = dir.path() / "run";
  fs::create_directories(run_dir);
  write_reports(report_test::mixed_run(run_dir), run_dir);
  auto r = chromium({"--dump-dom"}, run_dir / "report.html");
  ASSERT_TRUE(r.ok()) << r.err;
  // The DOM the browser built: five tiles, no element the guest's text tried to inject.
  std::size_t tiles = 0;
  for (auto p = r.out.find("<div class=\"cell"); p != std::string::npos;
       p = r.out.find("<div class=\"cell", p + 1)) {
    ++tiles;
  }
  EXPECT_EQ(tiles, 5u);
  EXPECT_EQ(r.out.find("<script"), std::string::npos);
  EXPECT_EQ(r.out.find("<failure"), std::string::npos);
  EXPECT_NE(r.out.find("&lt;script&gt;alert"), std::string::npos);
}

}  // namespace
}  // namespace fuselab
