// SigV4 against AWS's published examples: the S3 GetObject example of "Authenticating Requests: Using
// the Authorization Header (AWS Signature Version 4)", the presigned URL example of "Authenticating
// Requests: Using Query Parameters" (both in the Amazon S3 API Reference), and get-vanilla-query-
// order-key-case of the AWS Signature Version 4 test suite.
#include "store/aws_sigv4.h"

#include <gtest/gtest.h>

#include "core/hash.h"

namespace iris {
namespace {

constexpr char kS3ExampleSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr char kEmptySha256[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

TEST(AwsSigV4Test, S3GetObjectExampleWithRange) {
  SigV4Request request;
  request.method = "GET";
  request.path = "/test.txt";
  request.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                     {"Range", "bytes=0-9"},
                     {"x-amz-content-sha256", kEmptySha256},
                     {"x-amz-date", "20130524T000000Z"}};
  request.payload_sha256 = kEmptySha256;
  const std::string canonical = SigV4CanonicalRequest(request);
  EXPECT_EQ(canonical, std::string("GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n") +
                           "x-amz-content-sha256:" + kEmptySha256 + "\nx-amz-date:20130524T000000Z\n\n" +
                           "host;range;x-amz-content-sha256;x-amz-date\n" + kEmptySha256);
  const SigV4Scope scope{"20130524", "us-east-1", "s3"};
  const std::string to_sign = SigV4StringToSign("20130524T000000Z", scope, canonical);
  EXPECT_EQ(to_sign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(SigV4Signature(kS3ExampleSecret, scope, to_sign),
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(SigV4Authorization({"AKIAIOSFODNN7EXAMPLE", kS3ExampleSecret}, scope, "20130524T000000Z", request),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(AwsSigV4Test, S3PresignedUrlExample) {
  EXPECT_EQ(PresignS3GetUrl({"AKIAIOSFODNN7EXAMPLE", kS3ExampleSecret}, "us-east-1",
                            "https://examplebucket.s3.amazonaws.com", "/test.txt", "20130524T000000Z", 86400),
            "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

TEST(AwsSigV4Test, TestSuiteQueryOrderKeyCase) {
  const SigV4Request request{"GET",
                             "/",
                             {{"Param2", "value2"}, {"Param1", "value1"}},
                             {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}},
                             kEmptySha256};
  EXPECT_EQ(SigV4Authorization({"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"},
                               {"20150830", "us-east-1", "service"}, "20150830T123600Z", request),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

TEST(AwsSigV4Test, UriEncodingKeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(AwsUriEncode("a b/c~d_e.f-g+h=&%", false), "a%20b%2Fc~d_e.f-g%2Bh%3D%26%25");
  EXPECT_EQ(AwsUriEncode("/sha256/ab/cd", true), "/sha256/ab/cd");
}

TEST(AwsSigV4Test, AmzDateIsUtcBasicFormat) {
  EXPECT_EQ(AmzDate(std::chrono::system_clock::from_time_t(1369353600)), "20130524T000000Z");
}

}  // namespace
}  // namespace iris
