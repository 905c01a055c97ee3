// Targeted checks of the console parser: header formats, prefixes, frame choice, dedupe.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "console/kernel_report.h"

namespace fuselab {
namespace {

std::string data_file(const std::string& name) {
  std::ifstream in(std::filesystem::path(FUSELAB_TEST_DATA) / "console" / name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A minimal hung-task report in the given header form.
std::string hung_task(const std::string& header) {
  return "[   25.271381] " + header +
         "\n"
         "[   25.272788] Call Trace:\n"
         "[   25.273110]  <TASK>\n"
         "[   25.273325]  __schedule+0x521/0xf30\n"
         "[   25.274041]  schedule+0x22/0xa0\n"
         "[   25.274147]  io_schedule+0x41/0x60\n"
         "[   25.274220]  folio_wait_bit_common+0x125/0x2d0\n"
         "[   25.274319]  ? __pfx_wake_page_function+0x10/0x10\n"
         "[   25.274414]  folio_wait_writeback+0x27/0x80\n"
         "[   25.274499]  shrink_folio_list+0x935/0xdb0\n"
         "[   25.274591]  shrink_lruvec+0x77c/0xd50\n"
         "[   25.278680]  </TASK>\n";
}

TEST(ConsoleParser, ReclaimDeadlockIsTaskHungInShrinkFolioList) {
  auto reports = parse_console(data_file("hung-task-7.2-reclaim-deadlock.log"));
  ASSERT_EQ(reports.size(), 5u);
  for (const auto& r : reports) {
    EXPECT_EQ(r.kind, ReportKind::HungTask);
    EXPECT_EQ(r.title, "INFO: task hung in shrink_folio_list");
    EXPECT_EQ(r.task, "allocfs:69");
  }
  // folio_wait_writeback is in the stack but skipped as a wait frame.
  const auto& frames = reports[0].frames;
  EXPECT_NE(std::find(frames.begin(), frames.end(), "folio_wait_writeback"), frames.end());
  EXPECT_EQ(reports[0].first_line, 360u);
  EXPECT_EQ(reports[0].last_line, 411u);
  EXPECT_NE(reports[0].excerpt.find("blocked in I/O wait for more than 8 seconds"),
            std::string::npos);
}

TEST(ConsoleParser, RepeatedHungTaskReportsFoldIntoOneGroup) {
  auto groups = group_reports(parse_console(data_file("hung-task-7.2-reclaim-deadlock.log")));
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].count, 5u);
  EXPECT_EQ(groups[0].first.first_line, 360u);
  EXPECT_EQ(groups[0].last_line, 619u);
}

TEST(ConsoleParser, SameTitleDifferentTaskIsNotTheSameHang) {
  auto a = parse_console(hung_task("INFO: task allocfs:69 blocked for more than 8 seconds."));
  auto b = parse_console(hung_task("INFO: task dd:70 blocked for more than 8 seconds."));
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[0].title, b[0].title);
  EXPECT_FALSE(same_report(a[0], b[0]));
  EXPECT_TRUE(same_report(a[0], a[0]));
}

TEST(ConsoleParser, CleanRunHasNoKernelFailure) {
  auto reports = parse_console(data_file("clean-run-7.2-cgroup-v2.log"));
  for (const auto& r : reports) EXPECT_FALSE(is_kernel_failure(r.kind)) << r.title;
  // The "clean" cgroup-v2 run did OOM-kill the writer and then the server in the test memcg.
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0].kind, ReportKind::MemcgOom);
  EXPECT_EQ(reports[0].task, "dd:77");
  EXPECT_EQ(reports[1].task, "allocfs:70");
}

TEST(ConsoleParser, BothHungTaskHeaderFormsParse) {
  for (const char* header :
       {"INFO: task allocfs:69 blocked for more than 120 seconds.",
        "INFO: task allocfs:69 blocked in I/O wait for more than 8 seconds."}) {
    auto reports = parse_console(hung_task(header));
    ASSERT_EQ(reports.size(), 1u) << header;
    EXPECT_EQ(reports[0].title, "INFO: task hung in shrink_folio_list");
    EXPECT_EQ(reports[0].task, "allocfs:69");
  }
}

TEST(ConsoleParser, TaskNamesWithSpacesAndColons) {
  auto reports =
      parse_console(hung_task("INFO: task kworker/u4:2:87 blocked for more than 8 seconds."));
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].task, "kworker/u4:2:87");
}

TEST(ConsoleParser, CallerIdsCarriageReturnsAndQuestionableFrames) {
  std::string log =
      "[   25.271381][  T35] INFO: task dd:81 blocked for more than 120 seconds.\r\n"
      "[   25.272788][  T35] Call Trace:\r\n"
      "[   25.273110][  T35]  <TASK>\r\n"
      "[   25.274319][  T35]  ? fuse_fsync+0x10/0x10 [fuse]\r\n"
      "[   25.274414][  T35]  __schedule+0x27/0x80\r\n"
      "[   25.274499][  T35]  fuse_flush+0x935/0xdb0 [fuse]\r\n"
      "[   25.278680][  T35]  </TASK>\r\n";
  auto reports = parse_console(log);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].title, "INFO: task hung in fuse_flush");
  EXPECT_EQ(reports[0].frames, (std::vector<std::string>{"__schedule", "fuse_flush"}));
}

TEST(ConsoleParser, HeaderMustStartTheMessage) {
  EXPECT_TRUE(parse_console("echo 'WARNING: CPU: 0 PID: 1 at x.c:1 f+0x1/0x2'\n").empty());
  EXPECT_TRUE(parse_console("[    1.0] grep 'Kernel panic - not syncing: x' log\n").empty());
  EXPECT_TRUE(parse_console("[    1.0] INFO: task foo is blocked on a mutex\n").empty());
}

TEST(ConsoleParser, TimestampAfterForeignOutputOnTheSameLine) {
  auto reports =
      parse_console("Booting from ROM..[    0.912345] Kernel panic - not syncing: boom\n");
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].kind, ReportKind::Panic);
  EXPECT_EQ(reports[0].title, "kernel panic: boom");
}

TEST(ConsoleParser, EarlyBootInt3IsAnOops) {
  auto reports = parse_console(data_file("oops-int3-7.2-early-boot.log"));
  ASSERT_EQ(reports.size(), 1u);  // the "Fatal exception" panic belongs to the Oops
  EXPECT_EQ(reports[0].kind, ReportKind::Oops);
  EXPECT_EQ(reports[0].title, "Oops: int3 in sched_clock_cpu");
  EXPECT_TRUE(is_kernel_failure(reports[0].kind));
  EXPECT_NE(reports[0].excerpt.find("Fatal exception in interrupt"), std::string::npos);
}

TEST(ConsoleParser, OlderDieLineWithoutOopsPrefix) {
  std::string log =
      "[    0.05] int3: 0000 [#1] SMP NOPTI\n"
      "[    0.05] RIP: 0010:sched_clock_cpu+0x1/0x1d0\n"
      "[    0.05] ---[ end trace 0000000000000000 ]---\n";
  auto reports = parse_console(log);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].title, "Oops: int3 in sched_clock_cpu");
}

TEST(ConsoleParser, WarningBothSiteFormats) {
  for (const char* header :
       {"WARNING: CPU: 1 PID: 64 at fs/fuse/file.c:1827 fuse_foo+0x9e/0x110 [fuse]",
        "WARNING: fs/fuse/file.c:1827 at fuse_foo+0x9e/0x110 [fuse], CPU#1: a/64"}) {
    auto reports =
        parse_console(std::string("[ 1.0] ") + header + "\n[ 1.1] ---[ end trace 0 ]---\n");
    ASSERT_EQ(reports.size(), 1u) << header;
    EXPECT_EQ(reports[0].kind, ReportKind::Warning);
    EXPECT_EQ(reports[0].title, "WARNING in fuse_foo");
  }
}

// syzkaller-style titles: no line numbers, offsets or addresses, so a signature holds across
// kernels.
TEST(ConsoleParser, TitlesDropLineNumbersOffsetsAndAddresses) {
  EXPECT_EQ(normalize_title("kernel BUG at mm/filemap.c:1551!"),
            "kernel BUG at mm/filemap.c:LINE!");
  EXPECT_EQ(normalize_title("kernel panic: stack-protector: Kernel stack is corrupted in: "
                            "lkdtm_CORRUPT_STACK+0x4d/0x50"),
            "kernel panic: stack-protector: Kernel stack is corrupted in: lkdtm_CORRUPT_STACK");
  EXPECT_EQ(normalize_title("WARNING: refcount at 0xffff888003a1b000 ffffffff81234567"),
            "WARNING: refcount at ADDR ADDR");
  EXPECT_EQ(normalize_title("kernel panic: VFS: Unable to mount root fs on unknown-block(0,0)"),
            "kernel panic: VFS: Unable to mount root fs on unknown-block(0,0)");
  EXPECT_EQ(normalize_title("INFO: task hung in shrink_folio_list"),
            "INFO: task hung in shrink_folio_list");
  EXPECT_EQ(normalize_title("BUG: soft lockup in deadbeef_fn"), "BUG: soft lockup in deadbeef_fn");
  auto reports = parse_console(
      "[ 9.1] kernel BUG at drivers/misc/lkdtm/bugs.c:87!\n"
      "[ 9.1] Oops: invalid opcode: 0000 [#1] SMP NOPTI\n"
      "[ 9.1] RIP: 0010:lkdtm_BUG+0x5/0x10\n"
      "[ 9.1] ---[ end trace 0000000000000000 ]---\n");
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].title, "kernel BUG at drivers/misc/lkdtm/bugs.c:LINE!");
  EXPECT_TRUE(reports[0].truncated.empty());
}

// A report the console stops in the middle of (the guest was killed, the log cut) or that runs
// past the line limit says so; one that reached its end marker does not.
TEST(ConsoleParser, ReportCutShortIsMarkedTruncated) {
  std::string cut = hung_task("INFO: task dd:81 blocked for more than 8 seconds.");
  cut.resize(cut.find("[   25.278680]  </TASK>"));
  auto reports = parse_console(cut);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].truncated, "end of log");
  EXPECT_EQ(reports[0].title, "INFO: task hung in shrink_folio_list");

  auto whole = parse_console(hung_task("INFO: task dd:81 blocked for more than 8 seconds."));
  ASSERT_EQ(whole.size(), 1u);
  EXPECT_TRUE(whole[0].truncated.empty());

  std::string long_report =
      "[ 1.0] WARNING: CPU: 1 PID: 64 at fs/fuse/file.c:1827 fuse_foo+0x9e/0x110\n";
  for (int i = 0; i < 500; ++i) long_report += "[ 1.1]  R" + std::to_string(i) + ": 0\n";
  long_report += "[ 1.2] ---[ end trace 0 ]---\n";
  auto limited = parse_console(long_report);
  ASSERT_GE(limited.size(), 1u);
  EXPECT_EQ(limited[0].truncated, "line limit");
}

TEST(ConsoleParser, KindNamesAreDistinct) {
  std::set<std::string_view> names;
  for (auto k : {ReportKind::HungTask, ReportKind::SoftLockup, ReportKind::HardLockup,
                 ReportKind::RcuStall, ReportKind::Oops, ReportKind::Bug, ReportKind::Warning,
                 ReportKind::Panic, ReportKind::Oom, ReportKind::MemcgOom}) {
    EXPECT_TRUE(names.insert(to_string(k)).second) << to_string(k);
  }
}

}  // namespace
}  // namespace fuselab
