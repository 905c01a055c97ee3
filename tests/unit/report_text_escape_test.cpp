// The cleaning and escaping every report relies on for guest-derived text.
#include <gtest/gtest.h>

#include "report/text_escape.h"
#include "report_fixtures.h"

namespace fuselab {
namespace {

using report_test::kNasty;

bool valid_xml_text(const std::string& s) {
  for (unsigned char ch : s) {
    if (ch < 0x20 && ch != '\n' && ch != '\t') return false;
  }
  return true;
}

TEST(ReportTextEscape, CleanTextDropsControlsAndRepairsUtf8) {
  const std::string out = clean_text(kNasty);
  EXPECT_TRUE(valid_xml_text(out));
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
  EXPECT_EQ(out.find('\r'), std::string::npos);
  EXPECT_EQ(out.find('\x7f'), std::string::npos);
  EXPECT_NE(out.find("red"), std::string::npos);           // text around escapes survives
  EXPECT_NE(out.find("\xEF\xBF\xBD"), std::string::npos);  // invalid bytes became U+FFFD
  EXPECT_NE(out.find("\nline2"), std::string::npos);
}

TEST(ReportTextEscape, OverlongAndSurrogatesAreInvalid) {
  EXPECT_EQ(clean_text("\xc0\xaf"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong '/'
  EXPECT_EQ(clean_text("\xed\xa0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(clean_text("h\xc3\xa9 \xe2\x9c\x93"), "h\xc3\xa9 \xe2\x9c\x93");      // valid kept
  EXPECT_EQ(clean_text("\xef\xbf\xbe"), "");  // U+FFFE is not an XML character
}

TEST(ReportTextEscape, TruncationKeepsBoundAndCharacters) {
  const std::string s = std::string(10, 'a') + "\xc3\xa9\xc3\xa9\xc3\xa9";
  for (std::size_t max = 0; max < 20; ++max) {
    const std::string out = clean_text(s, max);
    EXPECT_LE(out.size(), max) << max;
    EXPECT_EQ(clean_text(out), out) << "cut inside a character at " << max;
  }
  EXPECT_EQ(clean_text("abc", 3), "abc");
  EXPECT_EQ(clean_text("abcdef", 5), "ab\xE2\x80\xA6");
}

TEST(ReportTextEscape, CleanLineIsOneLine) { EXPECT_EQ(clean_line("a\nb\tc\r\n"), "a b c "); }

TEST(ReportTextEscape, XmlEscapeLeavesNoMarkup) {
  const std::string out = xml_escape(clean_text(kNasty));
  for (const char* bad : {"<", ">", "\"", "'", "]]>"}) {
    EXPECT_EQ(out.find(bad), std::string::npos) << bad;
  }
  EXPECT_NE(out.find("&amp;amp;"), std::string::npos);
}

TEST(ReportTextEscape, MarkdownEscapeKeepsTheTableIntact) {
  const std::string out = markdown_escape(kNasty, 1000);
  EXPECT_EQ(out.find('\n'), std::string::npos);
  EXPECT_EQ(out.find('<'), std::string::npos);
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] == '|' || out[i] == '[' || out[i] == '*') {
      ASSERT_GT(i, 0u);
      EXPECT_EQ(out[i - 1], '\\') << "unescaped " << out[i] << " at " << i << " in " << out;
    }
  }
}

TEST(ReportTextEscape, UrlSegmentCannotLeaveTheFolder) {
  EXPECT_EQ(url_segment("null-wbc-4t"), "null-wbc-4t");
  EXPECT_EQ(url_segment("a/b?c#d:e f"), "a%2Fb%3Fc%23d%3Ae%20f");
  EXPECT_EQ(url_segment(".."), "%2E%2E");
  EXPECT_EQ(url_segment("javascript:alert(1)"), "javascript%3Aalert%281%29");
}

}  // namespace
}  // namespace fuselab
