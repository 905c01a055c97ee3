#include <gtest/gtest.h>

#include "channel/agent_message.h"
#include "channel/line_splitter.h"

namespace fuselab {
namespace {

TEST(LineSplitter, SplitsAcrossChunksAndStripsCr) {
  LineSplitter s;
  EXPECT_TRUE(s.feed("ab").empty());
  auto lines = s.feed("c\r\nde\nf");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "abc");
  EXPECT_EQ(lines[1], "de");
  EXPECT_EQ(s.take_rest(), "f");
}

TEST(LineSplitter, BoundsOverlongLines) {
  LineSplitter s(8);
  auto lines = s.feed(std::string(100, 'x') + "\nok\n");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].size(), 8u);
  EXPECT_EQ(lines[1], "ok");
  EXPECT_EQ(s.overlong(), 1u);
}

TEST(AgentMessage, ParsesKnownTypes) {
  auto m = parse_agent_message(R"({"msg":"result","t":3.5,"ok":true,"bytes_written":1048576})");
  EXPECT_EQ(m.type, AgentMessageType::Result);
  EXPECT_DOUBLE_EQ(m.t, 3.5);
  EXPECT_EQ(json_u64(m.body, "bytes_written"), 1048576u);
  EXPECT_EQ(json_bool(m.body, "ok"), true);
  EXPECT_FALSE(json_u64(m.body, "missing"));
}

TEST(AgentMessage, RejectsGarbageWithoutThrowing) {
  for (const char* bad : {"", "not json", "[1,2]", R"({"t":1})", R"({"msg":"launch"})",
                          R"({"msg":5})", "{\"msg\":\"hello\"", "\xff\xfe"}) {
    auto m = parse_agent_message(bad);
    EXPECT_EQ(m.type, AgentMessageType::Invalid) << bad;
    EXPECT_FALSE(m.problem.empty()) << bad;
  }
  EXPECT_EQ(parse_agent_message(std::string(1000, '[') + std::string(1000, ']')).type,
            AgentMessageType::Invalid);
}

TEST(AgentMessage, WrongFieldTypesReadAsMissing) {
  auto m = parse_agent_message(R"({"msg":"result","ok":"yes","bytes_written":-5})");
  EXPECT_FALSE(json_bool(m.body, "ok"));
  EXPECT_FALSE(json_u64(m.body, "bytes_written"));
}

}  // namespace
}  // namespace fuselab
