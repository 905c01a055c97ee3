// fuselab repro's escape key (Ctrl-]) and its commands, the sysrq letters it binds with their
// keycodes, and the marked serial console view of --shell.
#include <gtest/gtest.h>

#include "cli/terminal_keys.h"

namespace fuselab {
namespace {

using K = KeyAction::Kind;

TEST(TerminalKeys, BytesWithoutTheEscapeKeyAllGoToTheGuest) {
  EscapeKeys keys;
  auto got = keys.feed("cat /proc/self/stack\r\x03");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], (KeyAction{K::Forward, "cat /proc/self/stack\r\x03"}));
  EXPECT_FALSE(keys.pending());
}

TEST(TerminalKeys, TheEscapeKeyThenALetterIsACommandNotInput) {
  EscapeKeys keys;
  auto got = keys.feed("ls\x1dwpwd\x1dq");
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0], (KeyAction{K::Forward, "ls"}));
  EXPECT_EQ(got[1], (KeyAction{K::Sysrq, "w"}));
  EXPECT_EQ(got[2], (KeyAction{K::Forward, "pwd"}));
  EXPECT_EQ(got[3], (KeyAction{K::Quit, ""}));
}

TEST(TerminalKeys, TheEscapeKeyAtTheEndOfOneReadWaitsForTheNext) {
  EscapeKeys keys;
  auto first = keys.feed("x\x1d");
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0], (KeyAction{K::Forward, "x"}));
  EXPECT_TRUE(keys.pending());
  auto second = keys.feed("t");
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0], (KeyAction{K::Sysrq, "t"}));
  EXPECT_FALSE(keys.pending());
}

TEST(TerminalKeys, EveryCommandKeyAndTheEscapeKeyTwiceAndAnUnboundKey) {
  EscapeKeys keys;
  auto got = keys.feed(
      "\x1d\x1d\x1d"
      "c\x1d?\x1dm\x1dl\x1dz\x1d.");
  std::vector<KeyAction> want = {{K::Forward, "\x1d"}, {K::ToggleConsole, ""}, {K::Help, ""},
                                 {K::Sysrq, "m"},      {K::Sysrq, "l"},        {K::Unknown, "z"},
                                 {K::Quit, ""}};
  EXPECT_EQ(got, want);
}

TEST(TerminalKeys, TheBoundSysrqLettersAndTheirLinuxKeycodes) {
  EXPECT_EQ(sysrq_keycode('w'), 17u);
  EXPECT_EQ(sysrq_keycode('t'), 20u);
  EXPECT_EQ(sysrq_keycode('m'), 50u);
  EXPECT_EQ(sysrq_keycode('l'), 38u);
  // Not the destructive ones: a stray key must not reboot or crash the guest under study.
  for (char c : std::string("bcoeiusW")) EXPECT_FALSE(is_bound_sysrq(c)) << c;
  EXPECT_NE(escape_help(true).find("Ctrl-] c"), std::string::npos);
  EXPECT_EQ(escape_help(false).find("Ctrl-] c"), std::string::npos);
}

TEST(TerminalKeys, ConsoleLinesAreMarkedAcrossChunksWithEscapesDefused) {
  ConsoleView view;
  std::string out = view.render("[   1.0] sysrq: Show");
  out += view.render(" Blocked State\r\n\x1b]0;owned\x07task:cat\n");
  EXPECT_EQ(out,
            "console| [   1.0] sysrq: Show Blocked State\r\n"
            "console| ^[]0;ownedtask:cat\r\n");
}

}  // namespace
}  // namespace fuselab
