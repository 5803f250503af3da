#include "core/base64.h"

#include <gtest/gtest.h>

namespace iris {
namespace {

TEST(Base64Test, RoundTripsAllLengths) {
  std::string bytes;
  for (int i = 0; i < 300; ++i) {
    auto enc = Base64Encode(bytes);
    auto dec = Base64Decode(enc);
    ASSERT_TRUE(dec.has_value()) << i;
    EXPECT_EQ(*dec, bytes);
    bytes.push_back(static_cast<char>(i * 37));
  }
  EXPECT_EQ(Base64Encode("foob"), "Zm9vYg==");
}

TEST(Base64Test, RejectsMalformed) {
  EXPECT_FALSE(Base64Decode("Zm9").has_value());
  EXPECT_FALSE(Base64Decode("Zm9v!A==").has_value());
  EXPECT_FALSE(Base64Decode("Zg==Zg==").has_value());
}

}  // namespace
}  // namespace iris
