#include "api/request_head.h"

#include <gtest/gtest.h>

namespace iris::api {
namespace {

TEST(FindHeadEndTest, FindsTheBlankLineAfterTheHeaderFields) {
  const std::string head = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  EXPECT_EQ(FindHeadEnd(head), head.size());
  EXPECT_EQ(FindHeadEnd(head + "BODY"), head.size());
  EXPECT_EQ(FindHeadEnd("GET / HTTP/1.1\nHost: x\n\n"), 24u);
}

TEST(FindHeadEndTest, IncompleteHeadsAreNotEnded) {
  EXPECT_FALSE(FindHeadEnd(""));
  EXPECT_FALSE(FindHeadEnd("GET / HTTP/1.1\r\n"));
  EXPECT_FALSE(FindHeadEnd("GET / HTTP/1.1\r\nHost: x\r\n"));
  EXPECT_FALSE(FindHeadEnd("GET / HTTP/1.1\r\nHost: x\r\n\r"));
}

TEST(FindHeadEndTest, EmptyLinesBeforeTheRequestLineAreSkipped) {
  EXPECT_FALSE(FindHeadEnd("\r\n\r\n"));
  const std::string request = "\r\nGET / HTTP/1.1\r\n\r\n";
  EXPECT_EQ(FindHeadEnd(request), request.size());
}

TEST(ReadBodyFramingTest, ReadsContentLengthCaseInsensitively) {
  auto f = ReadBodyFraming("POST / HTTP/1.1\r\ncontent-LENGTH:  42 \r\n\r\n");
  ASSERT_TRUE(f.content_length);
  EXPECT_EQ(*f.content_length, 42u);
  EXPECT_FALSE(f.chunked);
  EXPECT_FALSE(f.expect_continue);
  EXPECT_FALSE(f.malformed);
}

TEST(ReadBodyFramingTest, ChunkedAndExpectContinueAreReported) {
  auto f = ReadBodyFraming("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_FALSE(f.content_length);
  EXPECT_TRUE(f.chunked);
  EXPECT_TRUE(f.expect_continue);
}

TEST(ReadBodyFramingTest, BadOrConflictingLengthsAreMalformed) {
  EXPECT_TRUE(ReadBodyFraming("POST / HTTP/1.1\r\nContent-Length: 12a\r\n\r\n").malformed);
  EXPECT_TRUE(ReadBodyFraming("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n").malformed);
  EXPECT_TRUE(ReadBodyFraming("POST / HTTP/1.1\r\nContent-Length:\r\n\r\n").malformed);
  auto twice = ReadBodyFraming("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n");
  EXPECT_TRUE(twice.malformed);
  EXPECT_FALSE(twice.content_length);
  EXPECT_FALSE(ReadBodyFraming("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n").malformed);
}

TEST(ReadBodyFramingTest, TheRequestLineIsNotAHeaderField) {
  EXPECT_FALSE(ReadBodyFraming("GET /content-length:5 HTTP/1.1\r\n\r\n").content_length);
}

TEST(IsHealthProbeTest, OnlyGetOrHeadOfTheTwoProbePathsCount) {
  EXPECT_TRUE(IsHealthProbe("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_TRUE(IsHealthProbe("HEAD /readyz HTTP/1.1\r\n\r\n"));
  EXPECT_TRUE(IsHealthProbe("\r\nGET /readyz?verbose=1 HTTP/1.1\r\n\r\n"));
  EXPECT_FALSE(IsHealthProbe("POST /healthz HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}"));
  EXPECT_FALSE(IsHealthProbe("GET /healthzz HTTP/1.1\r\n\r\n"));
  EXPECT_FALSE(IsHealthProbe("GET /healthz/x HTTP/1.1\r\n\r\n"));
  EXPECT_FALSE(IsHealthProbe("GET /v1/healthz HTTP/1.1\r\n\r\n"));
  EXPECT_FALSE(IsHealthProbe("get /healthz HTTP/1.1\r\n\r\n"));
  EXPECT_FALSE(IsHealthProbe("GET /healthz"));
  EXPECT_FALSE(IsHealthProbe("GET /metrics HTTP/1.1\r\nX: /healthz \r\n\r\n"));
  EXPECT_FALSE(IsHealthProbe(""));
}

}  // namespace
}  // namespace iris::api
