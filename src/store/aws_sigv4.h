// AWS Signature Version 4 (https://docs.aws.amazon.com/general/latest/gr/sigv4_signing.html): the
// canonical request, the string to sign, the derived signing key and the signature, plus presigned
// GET URLs for S3 (query-string authentication), which libcurl's CURLOPT_AWS_SIGV4 does not make.
// Requests themselves are signed by libcurl (store/s3_blob_store.h); this signer is what the
// presigned URLs use and is checked against AWS's published examples (aws_sigv4_test.cc).
//
// Inputs are taken as given: header values are trimmed of surrounding spaces, header names
// lower-cased, query parameters sorted by encoded name then value. Pure functions, no errors;
// thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace iris {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
};

// Where a signature is valid: "20130524/us-east-1/s3/aws4_request".
struct SigV4Scope {
  std::string date;  // yyyymmdd (UTC)
  std::string region;
  std::string service;
  std::string ToString() const { return date + "/" + region + "/" + service + "/aws4_request"; }
};

struct SigV4Request {
  std::string method;                                      // "GET", "PUT", ...
  std::string path;                                        // the request path, not yet URI-encoded ("/photos/a b.jpg")
  std::vector<std::pair<std::string, std::string>> query;  // raw names and values
  std::vector<std::pair<std::string, std::string>> headers;  // every header is signed ("host" included)
  std::string payload_sha256;                                // hex, or "UNSIGNED-PAYLOAD"
};

// RFC 3986 unreserved characters kept, everything else %XX (upper case); '/' kept when keep_slash.
std::string AwsUriEncode(std::string_view text, bool keep_slash);

// "host;range;x-amz-date": the lower-cased header names, sorted, ';'-joined.
std::string SigV4SignedHeaders(const SigV4Request& request);
std::string SigV4CanonicalRequest(const SigV4Request& request);
// amz_date: yyyymmddThhmmssZ.
std::string SigV4StringToSign(std::string_view amz_date, const SigV4Scope& scope, std::string_view canonical_request);
// Lower-case hex HMAC-SHA256 of string_to_sign under the key derived from secret and scope.
std::string SigV4Signature(std::string_view secret_access_key, const SigV4Scope& scope,
                           std::string_view string_to_sign);
// The Authorization header value for a request whose headers include host and x-amz-date.
std::string SigV4Authorization(const AwsCredentials& credentials, const SigV4Scope& scope, std::string_view amz_date,
                               const SigV4Request& request);

// yyyymmddThhmmssZ of a UTC time.
std::string AmzDate(std::chrono::system_clock::time_point time);

// A presigned S3 GET URL: `base` is scheme://host[:port] (as the client will reach it), `path` the
// object's path (unencoded, "/bucket/key" or "/key"), `expires_s` 1..604800. Signed headers: host only;
// payload UNSIGNED-PAYLOAD, as S3 requires for presigned URLs.
std::string PresignS3GetUrl(const AwsCredentials& credentials, std::string_view region, std::string_view base,
                            std::string_view path, std::string_view amz_date, std::int64_t expires_s);

}  // namespace iris
