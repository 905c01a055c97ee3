// Names that become paths, and the text checks plans go through.
#include <gtest/gtest.h>

#include "common/safe_name.h"
#include "common/utf8.h"

namespace fuselab {
namespace {

TEST(SafeName, RejectsAnythingThatIsNotOneDirectoryName) {
  for (const char* bad : {"", ".", "..", "../../x", "/tmp/x", "a/b", "-a", ".a", "A", "a b",
                          "a\x1b[2J", "caf\xc3\xa9"}) {
    EXPECT_FALSE(is_safe_name(bad, 48)) << bad;
    EXPECT_FALSE(is_safe_cell_id(bad)) << bad;
  }
  EXPECT_TRUE(is_safe_name("threads_4.r2", 48));
  EXPECT_FALSE(is_safe_name("a=b", 48));
  EXPECT_TRUE(is_safe_cell_id("backend=memory,threads=4"));
  EXPECT_FALSE(is_safe_name(std::string(49, 'a'), 48));
  EXPECT_TRUE(is_safe_cell_id(std::string(kMaxCellIdLength, 'a')));
  EXPECT_FALSE(is_safe_cell_id(std::string(kMaxCellIdLength + 1, 'a')));
}

TEST(TextProblem, FindsInvalidUtf8AndControls) {
  EXPECT_EQ(find_text_problem("plain text, caf\xc3\xa9 \xe2\x80\xa6"), std::nullopt);
  struct Case {
    std::string text;
    std::size_t offset;
    bool invalid;
  };
  for (const auto& c : std::vector<Case>{{"ab\xff", 2, true},
                                         {"a\xc3", 1, true},             // cut short
                                         {"\xc0\xaf", 0, true},          // overlong '/'
                                         {"x\xed\xa0\x80", 1, true},     // surrogate
                                         {"\xf4\x90\x80\x80", 0, true},  // above U+10FFFF
                                         {"a\x1b[31m", 1, false},
                                         {"tab\there", 3, false},
                                         {"nl\n", 2, false},
                                         {std::string("nul\0", 4), 3, false},
                                         {"del\x7f", 3, false},
                                         {"c1\xc2\x9b", 2, false}}) {
    auto p = find_text_problem(c.text);
    ASSERT_TRUE(p) << c.text;
    EXPECT_EQ(p->offset, c.offset) << c.text;
    EXPECT_EQ(p->invalid_utf8, c.invalid) << c.text;
  }
}

}  // namespace
}  // namespace fuselab
