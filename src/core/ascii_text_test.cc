#include "core/ascii_text.h"

#include <gtest/gtest.h>

namespace iris {
namespace {

TEST(AsciiTextTest, TrimsHttpWhitespace) {
  EXPECT_EQ(TrimHttpWhitespace(" \t 42 \t\r\n"), "42");
  EXPECT_EQ(TrimHttpWhitespace("a b"), "a b");
  EXPECT_EQ(TrimHttpWhitespace(" \t\r\n"), "");
  EXPECT_EQ(TrimHttpWhitespace(""), "");
  EXPECT_EQ(TrimHttpWhitespace("\r\nx"), "\r\nx");  // line endings only come off the end
}

TEST(AsciiTextTest, ComparesIgnoringAsciiCase) {
  EXPECT_TRUE(EqualsIgnoreAsciiCase("Content-Length", "content-LENGTH"));
  EXPECT_TRUE(EqualsIgnoreAsciiCase("", ""));
  EXPECT_FALSE(EqualsIgnoreAsciiCase("bytes", "byte"));
  EXPECT_FALSE(EqualsIgnoreAsciiCase("bytes", "bytez"));
  EXPECT_FALSE(EqualsIgnoreAsciiCase("\xC3\x89", "\xC3\xA9"));  // not ASCII: compared as is
}

TEST(TrimAsciiWhitespaceTest, TrimsEveryAsciiSpaceOnBothSidesAndNothingElse) {
  EXPECT_EQ(TrimAsciiWhitespace(" \t\n\v\f\r gold, hoop \r\n"), "gold, hoop");
  EXPECT_EQ(TrimAsciiWhitespace("a b"), "a b");
  EXPECT_EQ(TrimAsciiWhitespace(" \n "), "");
  EXPECT_EQ(TrimAsciiWhitespace(""), "");
  EXPECT_EQ(TrimAsciiWhitespace("\xc2\xa0x"), "\xc2\xa0x") << "non-ASCII space is text";
}

}  // namespace
}  // namespace iris
