#include "vision/unicode_text.h"

#include <gtest/gtest.h>

namespace iris::unicode {
namespace {

TEST(UnicodeTextTest, Utf8RoundTripAndMalformedBytes) {
  const std::string text = "a\u00e9\u6771\U0001F431";
  const std::u32string decoded = DecodeUtf8(text);
  EXPECT_EQ(decoded, (std::u32string{U'a', 0xE9, 0x6771, 0x1F431}));
  std::string encoded;
  for (char32_t cp : decoded) AppendUtf8(cp, encoded);
  EXPECT_EQ(encoded, text);
  // Lone continuation byte, truncated sequence, overlong "/", encoded surrogate.
  EXPECT_EQ(DecodeUtf8("\x80x"), (std::u32string{0xFFFD, U'x'}));
  EXPECT_EQ(DecodeUtf8("\xE6\x9D"), (std::u32string{0xFFFD, 0xFFFD}));
  EXPECT_EQ(DecodeUtf8("\xC0\xAF"), (std::u32string{0xFFFD, 0xFFFD}));
  EXPECT_EQ(DecodeUtf8("\xED\xA0\x80").front(), 0xFFFDu);
}

TEST(UnicodeTextTest, LetterAndNumberCategories) {
  for (char32_t cp : {U'a', U'Z', char32_t{0xE9}, char32_t{0x3B1}, char32_t{0x416}, char32_t{0x6771}, char32_t{0x30BF},
                      char32_t{0xD55C}, char32_t{0x5D0}, char32_t{0xAA}}) {
    EXPECT_TRUE(IsLetter(cp)) << std::hex << static_cast<unsigned>(cp);
    EXPECT_FALSE(IsNumber(cp));
  }
  for (char32_t cp :
       {U'0', U'9', char32_t{0xB2}, char32_t{0xBD}, char32_t{0x660}, char32_t{0xFF15}, char32_t{0x2163}}) {
    EXPECT_TRUE(IsNumber(cp)) << std::hex << static_cast<unsigned>(cp);
    EXPECT_FALSE(IsLetter(cp));
  }
  for (char32_t cp : {U' ', U'!', U'_', char32_t{0x301}, char32_t{0x1F431}, char32_t{0x2014}, char32_t{0xD7}}) {
    EXPECT_FALSE(IsLetter(cp)) << std::hex << static_cast<unsigned>(cp);
    EXPECT_FALSE(IsNumber(cp));
  }
  EXPECT_TRUE(IsWhitespace(0x3000));
  EXPECT_TRUE(IsWhitespace(U'\n'));
  EXPECT_FALSE(IsWhitespace(0x200B));  // zero-width space is not \s
}

TEST(UnicodeTextTest, LowerCaseLikePython) {
  EXPECT_EQ(ToLower(U"HELLO \u00c9T\u00c9 \u0391\u0398 \u041c\u0401 \u0178 \uff21"),
            U"hello \u00e9t\u00e9 \u03b1\u03b8 \u043c\u0451 \u00ff \uff41");
  EXPECT_EQ(ToLower(U"\u0130"), U"i\u0307");
  EXPECT_EQ(ToLower(U"\u00df\u6771"), U"\u00df\u6771");  // no change
}

TEST(UnicodeTextTest, ComposesCanonicalPairs) {
  EXPECT_EQ(ComposeCanonical(U"cafe\u0301"), U"caf\u00e9");
  EXPECT_EQ(ComposeCanonical(U"e\u0323\u0302"), U"\u1ec7");  // dot below first: composes step by step
  EXPECT_EQ(ComposeCanonical(U"\u0418\u0306"), U"\u0419");
  EXPECT_EQ(ComposeCanonical(U"\u0301a"), U"\u0301a");  // a mark with nothing before it stays
}

}  // namespace
}  // namespace iris::unicode
