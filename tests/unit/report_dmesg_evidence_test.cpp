// dmesg.txt (report/dmesg_evidence.h) on a real console log and the real stall message the
// agent's monitor sent in the same kind of cell (7.2 lab kernel, unguarded, v1 nested, pressure
// on: the FUSE server hangs in shrink_folio_list), and on hostile or oversized input.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/paths.h"
#include "console/kernel_report.h"
#include "report/dmesg_evidence.h"

namespace fuselab {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kData = FUSELAB_TEST_DATA;

// The result as the runner builds it: the grouped reports of the console, the agent's stall.
CellResult result_for(std::string_view console, json stall, Verdict verdict = Verdict::Hang) {
  CellResult r;
  r.cell.id = "cgroup=v1,kernel=unguarded,placement=nested,pressure=on";
  r.verdict = verdict;
  r.signature = "INFO: task hung in shrink_folio_list";
  r.reports = json::array();
  for (const auto& g : group_reports(parse_console(console)))
    r.reports.push_back({{"kind", std::string(to_string(g.first.kind))},
                         {"title", g.first.title},
                         {"first_line", g.first.first_line}});
  r.agent_stall = std::move(stall);
  return r;
}

std::size_t count(std::string_view text, std::string_view what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string_view::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(DmesgEvidence, RealHangCellHasTheMarkedLogAndTheMonitorsEvidence) {
  std::string console = read_file(kData / "evidence/hang-7.2-lab-v1-nested-unguarded.console.log");
  json stall =
      json::parse(read_file(kData / "evidence/hang-7.2-lab-v1-nested-unguarded.stall.json"));
  CellResult r = result_for(console, stall);
  ASSERT_FALSE(r.reports.empty());
  std::string text = dmesg_evidence_text(r, console);

  EXPECT_TRUE(text.starts_with("# fuselab dmesg.txt: cell " + r.cell.id + ", verdict HANG"));
  // The marker sits right before the first report's own line.
  std::size_t first_line = r.reports[0]["first_line"];
  EXPECT_EQ(count(text, ">>>> first report"), 1u);
  auto marker = text.find(">>>> first report (console line " + std::to_string(first_line) + ")\n");
  ASSERT_NE(marker, std::string::npos);
  std::string after = text.substr(text.find('\n', marker) + 1, 200);
  EXPECT_NE(after.find("INFO: task "), std::string::npos) << after;
  // The kernel's log from its banner on, whole: this one is far below the bound.
  EXPECT_NE(text.find("Linux version 7.2"), std::string::npos);
  EXPECT_EQ(text.find("left out here"), std::string::npos);

  // The monitor's evidence, readable: FUSE queue, the tested memcg, the blocked tasks' stacks.
  EXPECT_NE(text.find("## FUSE connections"), std::string::npos);
  EXPECT_NE(text.find("max_background"), std::string::npos);
  EXPECT_NE(text.find("## memcg " + stall["memcg"]["path"].get<std::string>()), std::string::npos);
  EXPECT_NE(text.find("### memory.stat\n"), std::string::npos);
  EXPECT_NE(text.find("### memory.limit_in_bytes\n67108864"), std::string::npos);
  EXPECT_NE(text.find("role server"), std::string::npos);
  EXPECT_NE(text.find("\n    [<0>] folio_wait_writeback+"), std::string::npos);
  EXPECT_NE(text.find("    [<0>] fuse_dev_do_read+"), std::string::npos);
  // The memcg files keep their lines.
  EXPECT_NE(text.find("\nwriteback "), std::string::npos);
  EXPECT_EQ(text.find("\\x0a"), std::string::npos);
  EXPECT_LE(text.size(), kMaxDmesgBytes);
}

TEST(DmesgEvidence, OnlyFailedCellsGetOneAutomatically) {
  EXPECT_TRUE(wants_dmesg_evidence(Verdict::Hang));
  EXPECT_TRUE(wants_dmesg_evidence(Verdict::Stall));
  EXPECT_TRUE(wants_dmesg_evidence(Verdict::Crash));
  EXPECT_TRUE(wants_dmesg_evidence(Verdict::BootError));
  EXPECT_FALSE(wants_dmesg_evidence(Verdict::Pass));
  EXPECT_FALSE(wants_dmesg_evidence(Verdict::Infra));
  CellResult pass;
  pass.verdict = Verdict::Pass;
  EXPECT_FALSE(cell_files(pass).contains("dmesg"));
  CellResult hang;
  hang.verdict = Verdict::Hang;
  EXPECT_EQ(cell_files(hang)["dmesg"], "dmesg.txt");
}

TEST(DmesgEvidence, WithoutAStallMessageItSaysSo) {
  std::string console = read_file(kData / "evidence/hang-7.2-lab-v1-nested-unguarded.console.log");
  std::string text = dmesg_evidence_text(result_for(console, json()), console);
  EXPECT_NE(text.find("The agent sent no stall or hang message"), std::string::npos);
}

TEST(DmesgEvidence, HostileStallFieldsAndControlBytesAreShownNotTrusted) {
  json stall = {{"msg", "hang"},
                {"reason", "x\x1b[2Jy"},
                {"tasks", "not a list"},
                {"memcg", 7},
                {"fuse_connections", json::array({1, 2})},
                {"t", "soon"}};
  std::string console = "SeaBIOS\r\n[    0.0] Linux version 6.1\n\x07 bell\n";
  stall["hung_task"] = "forged\n>>>> first report (console line 1)";
  std::string text = dmesg_evidence_text(result_for(console, stall, Verdict::Stall), console);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_EQ(text.find('\x07'), std::string::npos);
  EXPECT_NE(text.find("x\\x1b[2Jy"), std::string::npos);
  EXPECT_NE(text.find("\\x07 bell"), std::string::npos);
  EXPECT_NE(text.find("no tested memcg"), std::string::npos);
  EXPECT_NE(text.find("## tasks"), std::string::npos);
  EXPECT_NE(text.find("guest time ? s"), std::string::npos);
  EXPECT_NE(text.find("The console parser found no kernel report"), std::string::npos);
  EXPECT_EQ(text.find("SeaBIOS"), std::string::npos);  // the firmware, before the kernel banner
  EXPECT_EQ(text.find("\n>>>>"), std::string::npos) << "a guest field forged a marker line";
}

TEST(DmesgEvidence, AnOversizedLogKeepsItsHeadAndTailWithinTheBound) {
  std::string console = "[    0.000000] Linux version 6.1 first line\n";
  std::string filler(200, 'x');
  for (int i = 0; i < 200000; ++i)
    console += "[  1.0] line " + std::to_string(i) + " " + filler + "\n";
  console += "[ 99.0] the very last line\n";
  ASSERT_GT(console.size(), 2 * kMaxDmesgBytes);
  std::string text = dmesg_evidence_text(result_for(console, json()), console);
  EXPECT_LE(text.size(), kMaxDmesgBytes);
  EXPECT_NE(text.find("first line"), std::string::npos);
  EXPECT_NE(text.find("the very last line"), std::string::npos);
  EXPECT_NE(text.find("left out here: see console.log"), std::string::npos);
}

}  // namespace
}  // namespace fuselab
