// What `fuselab repro` lets through from the guest's console to the user's terminal.
#include <gtest/gtest.h>

#include "cli/repro_command.h"

namespace fuselab {
namespace {

TEST(TerminalSafe, KernelTextPassesAndEscapeSequencesDoNot) {
  EXPECT_EQ(terminal_safe("[    1.0] Linux version 6.1\r\n\tx"),
            "[    1.0] Linux version 6.1\r\n\tx");
  EXPECT_EQ(terminal_safe("caf\xc3\xa9"), "caf\xc3\xa9");  // UTF-8 stays
  // A title change and a screen clear become visible text, not actions.
  EXPECT_EQ(terminal_safe("\x1b]0;owned\x07\x1b[2J"), "^[]0;owned^[[2J");
  EXPECT_EQ(terminal_safe(std::string("a\0b\x7f\x08", 5)), "ab");
}

}  // namespace
}  // namespace fuselab
