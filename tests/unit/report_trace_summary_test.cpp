// trace.txt's summary: event counts and begins without an end, from ftrace text that
// a guest sent. The real trace is the one the unguarded deadlock cell brought back
// (tests/data/trace/README.md); hostile text must never throw or grow without bound.
#include <gtest/gtest.h>

#include <string>

#include "channel/agent_message.h"
#include "common/paths.h"
#include "monitor/trace_ring.h"
#include "protocol/base64.h"
#include "report/trace_summary.h"

namespace fuselab {
namespace {

const std::string kData = std::string(FUSELAB_TEST_DATA) + "/trace/";

TEST(TraceLine, ParsesTaskPidTimestampAndEvent) {
  TraceLine t;
  ASSERT_TRUE(parse_trace_line(
      "  fuselab-agent-123     [001] d..1.  57.123456: mm_vmscan_memcg_reclaim_begin: order=0", t));
  EXPECT_EQ(t.comm, "fuselab-agent");
  EXPECT_EQ(t.pid, 123);
  EXPECT_DOUBLE_EQ(t.ts, 57.123456);
  EXPECT_EQ(t.event, "mm_vmscan_memcg_reclaim_begin");
  // A comm with blanks, dashes and brackets; no flags column (irq-info off).
  ASSERT_TRUE(parse_trace_line("kworker/u4:1-x [y]-45 [000] 1.5: writeback_start: bdi 0:48", t));
  EXPECT_EQ(t.comm, "kworker/u4:1-x [y]");
  EXPECT_EQ(t.pid, 45);
  EXPECT_EQ(t.event, "writeback_start");
}

TEST(TraceLine, RefusesHeadersAndJunk) {
  TraceLine t;
  for (const char* line : {"# tracer: nop", "#           TASK-PID     CPU#  |||||  TIMESTAMP", "",
                           "garbage", "a-1 [000] x: y:", "a-1 [000] .... 1.2: bad-name: z",
                           "a-b [000] .... 1.2: ev: z", "a-1 [00x] .... 1.2: ev: z"})
    EXPECT_FALSE(parse_trace_line(line, t)) << line;
  EXPECT_FALSE(parse_trace_line(std::string(5000, 'a') + "-1 [000] .... 1.0: ev: x", t));
}

TEST(TraceSummary, CountsEventsAndFindsBeginsWithoutEnd) {
  const std::string text =
      "# tracer: nop\n#\n# entries-in-buffer/entries-written: 6/9   #P:2\n#\n"
      "  server-10 [000] ..... 1.000000: mm_vmscan_memcg_reclaim_begin: order=0\n"
      "  server-10 [000] ..... 1.500000: mm_vmscan_memcg_reclaim_end: nr_reclaimed=3\n"
      "  writer-20 [001] ..... 2.000000: mm_vmscan_memcg_reclaim_begin: order=0\n"
      "  server-10 [000] ..... 3.000000: mm_vmscan_memcg_reclaim_begin: order=0\n"
      "  server-10 [000] ..... 3.100000: folio_wait_writeback: bdi 0:48\n"
      "  writer-20 [001] ..... 4.000000: mm_vmscan_memcg_reclaim_end: nr_reclaimed=1\n"
      "CPU:1 [LOST 7 EVENTS]\n"
      "not a trace line\n";
  auto s = summarize_trace(text);
  EXPECT_EQ(s["events"], 6);
  EXPECT_EQ(s["unparsed"], 1);
  EXPECT_EQ(s["lost_events"], 7);
  EXPECT_EQ(s["entries_in_buffer"], 6);
  EXPECT_EQ(s["entries_written"], 9);
  EXPECT_EQ(s["counts"]["mm_vmscan_memcg_reclaim_begin"], 3);
  EXPECT_EQ(s["counts"]["mm_vmscan_memcg_reclaim_end"], 2);
  EXPECT_EQ(s["counts"]["folio_wait_writeback"], 1);
  EXPECT_DOUBLE_EQ(s["timeline"]["mm_vmscan_memcg_reclaim_begin"]["last"].get<double>(), 3.0);
  ASSERT_EQ(s["unfinished"].size(), 1u) << s.dump();
  EXPECT_EQ(s["unfinished"][0]["pid"], 10);
  EXPECT_EQ(s["unfinished"][0]["comm"], "server");
  EXPECT_EQ(s["unfinished"][0]["pair"], "mm_vmscan_memcg_reclaim_begin/_end");
  EXPECT_DOUBLE_EQ(s["unfinished"][0]["since"].get<double>(), 3.0);
}

// The deadlock as the guest's ring recorded it: the server (pid 43) began memcg reclaim and never
// ended it, for 30 s; the writer (45) kept beginning and ending it, throttled.
TEST(TraceSummary, RealDeadlockTraceShowsTheServerStuckInMemcgReclaim) {
  auto s = summarize_trace(read_file(kData + "hang-7.2-v1-nested-unguarded.trace.txt"));
  EXPECT_EQ(s["unparsed"], 0);
  EXPECT_EQ(s["events"], 343);
  EXPECT_EQ(s["entries_in_buffer"], 343);
  EXPECT_EQ(s["counts"]["mm_vmscan_memcg_reclaim_begin"], 8);
  EXPECT_EQ(s["counts"]["mm_vmscan_memcg_reclaim_end"], 6);
  EXPECT_EQ(s["counts"]["folio_wait_writeback"], 1);
  EXPECT_EQ(s["counts"]["mm_vmscan_throttled"], 287);
  EXPECT_EQ(s["counts"]["fuse_request_send"], 17);
  ASSERT_EQ(s["unfinished"].size(), 2u) << s["unfinished"].dump();
  const auto& server = s["unfinished"][0];
  EXPECT_EQ(server["pid"], 43);
  EXPECT_EQ(server["pair"], "mm_vmscan_memcg_reclaim_begin/_end");
  EXPECT_DOUBLE_EQ(server["since"].get<double>(), 4.991594);
  EXPECT_GT(server["open_s"].get<double>(), 29.0);
  EXPECT_EQ(s["unfinished"][1]["pid"], 45);
  EXPECT_LT(s["unfinished"][1]["open_s"].get<double>(), 5.0);
}

TEST(TraceSummary, HostileTextStaysBounded) {
  std::string text;
  for (int i = 0; i < 2000; ++i)
    text += "t-" + std::to_string(i) + " [000] . 1.0: ev" + std::to_string(i) + "_begin: x\n";
  text += std::string(1 << 16, '\xff') + "\n" + std::string(100, '\0') + "\n";
  auto s = summarize_trace(text);
  EXPECT_LE(s["counts"].size(), 256u);
  EXPECT_LE(s["unfinished"].size(), 64u);
  EXPECT_NO_THROW((void)s.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  EXPECT_EQ(summarize_trace("")["events"], 0);
  EXPECT_TRUE(summarize_trace("")["first_ts"].is_null());
}

TEST(TraceMessages, HostDecodesTraceLinesStrictly) {
  EXPECT_EQ(parse_agent_message(R"({"msg":"trace","seq":0,"data":"x\n"})").type,
            AgentMessageType::Trace);
  EXPECT_EQ(parse_agent_message(R"({"msg":"trace","seq":-1,"data":"x"})").type,
            AgentMessageType::Invalid);
  EXPECT_EQ(parse_agent_message(R"({"msg":"trace","seq":0,"data":7})").type,
            AgentMessageType::Invalid);
  EXPECT_EQ(parse_agent_message(R"({"msg":"trace_end","reason":"hang","bytes":1,"chunks":1})").type,
            AgentMessageType::TraceEnd);
  EXPECT_EQ(
      parse_agent_message(R"({"msg":"trace_end","reason":"hang","bytes":"1","chunks":1})").type,
      AgentMessageType::Invalid);
}

TEST(TraceMessages, FilesAreBase64PerfDataOnly) {
  auto msg =
      parse_agent_message(R"({"msg":"file","name":"perf.data","seq":0,"data":")" +
                          protocol::base64_encode(std::string("PERFILE2\0\xff", 10)) + R"("})");
  ASSERT_EQ(msg.type, AgentMessageType::File) << msg.problem;
  EXPECT_EQ(msg.body["data"].get<std::string>(), std::string("PERFILE2\0\xff", 10));
  for (const char* bad : {R"({"msg":"file","name":"../x","seq":0,"data":""})",
                          R"({"msg":"file","name":"perf.data","seq":0,"data":"abc"})",
                          R"({"msg":"file","name":"perf.data","seq":0,"data":"ab=c"})",
                          R"({"msg":"file","name":"perf.data","data":"abcd"})",
                          R"({"msg":"file_end","name":"perf.data","bytes":1})"})
    EXPECT_EQ(parse_agent_message(bad).type, AgentMessageType::Invalid) << bad;
}

TEST(Base64, RoundTripsEveryLengthAndRefusesNonCanonicalText) {
  std::string bytes;
  for (int n = 0; n < 70; ++n) {
    EXPECT_EQ(protocol::base64_decode(protocol::base64_encode(bytes)), bytes) << n;
    bytes += static_cast<char>(n * 37);
  }
  EXPECT_EQ(protocol::base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(protocol::base64_decode("Zm9vYg=="), "foob");
  for (const char* bad : {"Zm9vYg=", "Zm9v=mFy", "Zm9*", "=AAA", "A==="})
    EXPECT_FALSE(protocol::base64_decode(bad)) << bad;
}

TEST(TraceRingEvents, PicksTheStoryFromAvailableEvents) {
  auto picked = agent::TraceRing::pick_events(
      "vmscan:mm_vmscan_memcg_reclaim_end\nfuse:fuse_request_send\nsched:sched_switch\n"
      "vmscan:mm_vmscan_memcg_reclaim_begin\nwriteback:folio_wait_writeback\n"
      "fuse:fuse_request_end\nvmscan:mm_vmscan_write_folio\n");
  EXPECT_EQ(picked,
            (std::vector<std::string>{
                "vmscan:mm_vmscan_memcg_reclaim_begin", "vmscan:mm_vmscan_memcg_reclaim_end",
                "vmscan:mm_vmscan_write_folio", "writeback:folio_wait_writeback",
                "fuse:fuse_request_send", "fuse:fuse_request_end"}));
  EXPECT_TRUE(agent::TraceRing::pick_events("").empty());
}

}  // namespace
}  // namespace fuselab
