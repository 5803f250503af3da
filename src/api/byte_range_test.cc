#include "api/byte_range.h"

#include <gtest/gtest.h>

#include <string>

namespace iris::api {
namespace {

using Kind = ByteRangeAnswer::Kind;

void ExpectPartial(std::string_view header, std::uint64_t total, std::uint64_t offset, std::uint64_t length) {
  const ByteRangeAnswer answer = ResolveByteRange(header, total);
  EXPECT_EQ(answer.kind, Kind::kPartial) << header;
  EXPECT_EQ(answer.offset, offset) << header;
  EXPECT_EQ(answer.length, length) << header;
}

void ExpectFull(std::string_view header, std::uint64_t total) {
  const ByteRangeAnswer answer = ResolveByteRange(header, total);
  EXPECT_EQ(answer.kind, Kind::kFull) << header;
  EXPECT_EQ(answer.offset, 0u) << header;
  EXPECT_EQ(answer.length, total) << header;
}

void ExpectUnsatisfiable(std::string_view header, std::uint64_t total) {
  EXPECT_EQ(ResolveByteRange(header, total).kind, Kind::kUnsatisfiable) << header;
}

TEST(ByteRange, NoHeaderMeansTheWholeBody) { ExpectFull("", 1000); }

TEST(ByteRange, OneIntRange) {
  ExpectPartial("bytes=0-99", 1000, 0, 100);
  ExpectPartial("bytes=10-10", 1000, 10, 1);
  ExpectPartial("bytes=990-2000", 1000, 990, 10);  // last-pos clipped to the last byte
  ExpectPartial("bytes=999-", 1000, 999, 1);
  ExpectPartial("bytes=0-", 1000, 0, 1000);
  ExpectPartial("bytes=5-99999999999999999999999", 1000, 5, 995);  // saturates
}

TEST(ByteRange, SuffixRange) {
  ExpectPartial("bytes=-100", 1000, 900, 100);
  ExpectPartial("bytes=-1000", 1000, 0, 1000);
  ExpectPartial("bytes=-5000", 1000, 0, 1000);
}

TEST(ByteRange, UnitIsCaseInsensitiveAndListWhitespaceIsAllowed) {
  ExpectPartial("Bytes=1-2", 10, 1, 2);
  ExpectPartial("  bytes= 1-2 ", 10, 1, 2);
  ExpectPartial("bytes=, 3-4 ,", 10, 3, 2);  // empty list elements are skipped
}

TEST(ByteRange, UnsatisfiableSingleRanges) {
  ExpectUnsatisfiable("bytes=1000-", 1000);
  ExpectUnsatisfiable("bytes=5000000-", 1000);
  ExpectUnsatisfiable("bytes=1000-2000", 1000);
  ExpectUnsatisfiable("bytes=-0", 1000);
  ExpectUnsatisfiable("bytes=0-", 0);
  ExpectUnsatisfiable("bytes=-1", 0);
  ExpectUnsatisfiable("bytes=99999999999999999999999-", 1000);
}

TEST(ByteRange, SeveralRangesAreIgnored) {
  ExpectFull("bytes=0-1,5-6", 1000);
  ExpectFull("bytes=0-,0-", 1000);
  ExpectFull("bytes=5000000-,0-1", 1000);  // even when one of them is unsatisfiable
  std::string many = "bytes=0-";
  for (int i = 0; i < 2000; ++i) many += ",0-";
  ExpectFull(many, 1'000'000);
}

TEST(ByteRange, MalformedOrOtherUnitsAreIgnored) {
  for (const char* header :
       {"bytes", "bytes=", "bytes=,", "bytes=abc", "bytes=1", "bytes=-", "bytes=1-2-3", "bytes=a-5", "bytes=5-a",
        "bytes=-a", "bytes=+1-2", "bytes=1 - 2", "items=0-5", "bytes 0-5", "bytes=9-3"}) {
    ExpectFull(header, 1000);
  }
}

TEST(ByteRange, ContentRangeValues) {
  EXPECT_EQ(ContentRangeValue(ResolveByteRange("bytes=0-99", 1000), 1000), "bytes 0-99/1000");
  EXPECT_EQ(ContentRangeValue(ResolveByteRange("bytes=-1", 1000), 1000), "bytes 999-999/1000");
  EXPECT_EQ(ContentRangeValue(ResolveByteRange("bytes=2000-", 1000), 1000), "bytes */1000");
  EXPECT_EQ(ContentRangeValue(ResolveByteRange("", 1000), 1000), "");
}

}  // namespace
}  // namespace iris::api
