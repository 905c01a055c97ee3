// Parser data tests in the manner of syzkaller's pkg/report/testdata: every
// tests/data/console/<name>.log is parsed and compared with <name>.expected.
// FUSELAB_UPDATE_EXPECTED=1 rewrites the .expected files from the parser's output instead.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "console/kernel_report.h"

namespace fuselab {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kExpectedFrames = 8;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One block per report; the first frames only, as they are what a reader checks.
std::string format_reports(const std::vector<KernelReport>& reports) {
  std::ostringstream out;
  out << "# " << reports.size() << " report(s); regenerate with FUSELAB_UPDATE_EXPECTED=1\n";
  for (const KernelReport& r : reports) {
    out << "\nTITLE: " << r.title << "\nKIND: " << to_string(r.kind) << "\nTASK: " << r.task
        << "\nLINES: " << r.first_line << "-" << r.last_line;
    if (!r.truncated.empty()) out << "\nTRUNCATED: " << r.truncated;
    out << "\nFRAMES:";
    for (std::size_t i = 0; i < r.frames.size() && i < kExpectedFrames; ++i) {
      out << " " << r.frames[i];
    }
    out << "\n";
  }
  return out.str();
}

TEST(ConsoleData, EveryLogMatchesItsExpectation) {
  const fs::path dir = fs::path(FUSELAB_TEST_DATA) / "console";
  const char* update_env = std::getenv("FUSELAB_UPDATE_EXPECTED");
  const bool update = update_env != nullptr && std::string(update_env) == "1";
  std::size_t logs = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".log") continue;
    ++logs;
    fs::path expected_path = entry.path();
    expected_path.replace_extension(".expected");
    const std::string actual = format_reports(parse_console(read_file(entry.path())));
    if (update) {
      std::ofstream(expected_path, std::ios::binary) << actual;
      continue;
    }
    ASSERT_TRUE(fs::exists(expected_path))
        << expected_path << " missing; run with FUSELAB_UPDATE_EXPECTED=1 and review it";
    EXPECT_EQ(read_file(expected_path), actual) << "for " << entry.path();
  }
  EXPECT_GE(logs, 2u) << "no console logs found in " << dir;
}

}  // namespace
}  // namespace fuselab
