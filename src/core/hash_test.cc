#include "core/hash.h"

#include <gtest/gtest.h>

namespace iris {
namespace {

TEST(HashTest, KnownVectors) {
  auto h = ComputeContentHashes(std::string_view("abc"));
  EXPECT_EQ(h.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(h.md5, "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(HashTest, ChunkedEqualsWhole) {
  std::string big(200'000, 'x');
  big[123'456] = 'y';
  EXPECT_EQ(ComputeContentHashes(big).sha256, Sha256Hex(big));
}

}  // namespace
}  // namespace iris

namespace iris {
namespace {

TEST(HashTest, IsSha256HexAcceptsOnlyWhatSha256HexWrites) {
  EXPECT_TRUE(IsSha256Hex(Sha256Hex("abc")));
  EXPECT_TRUE(IsSha256Hex(std::string(64, 'f')));
  EXPECT_FALSE(IsSha256Hex(std::string(63, 'a')));
  EXPECT_FALSE(IsSha256Hex(std::string(65, 'a')));
  EXPECT_FALSE(IsSha256Hex(std::string(64, 'A')));  // upper case
  EXPECT_FALSE(IsSha256Hex(std::string(63, 'a') + "g"));
  EXPECT_FALSE(IsSha256Hex(""));
}

}  // namespace
}  // namespace iris
