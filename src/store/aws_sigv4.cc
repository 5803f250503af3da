#include "store/aws_sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <ctime>

#include "core/hash.h"
#include "net/curl_handles.h"

namespace iris {
namespace {

std::string Hex(const unsigned char* data, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 15];
  }
  return out;
}

std::string HmacSha256(std::string_view key, std::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
       message.size(), digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string Trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

std::vector<std::pair<std::string, std::string>> CanonicalHeaders(const SigV4Request& request) {
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& [name, value] : request.headers) headers.emplace_back(AsciiLower(name), Trim(value));
  std::sort(headers.begin(), headers.end());
  return headers;
}

std::string CanonicalQuery(const std::vector<std::pair<std::string, std::string>>& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  for (const auto& [name, value] : query) encoded.emplace_back(AwsUriEncode(name, false), AwsUriEncode(value, false));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) out += (out.empty() ? "" : "&") + name + "=" + value;
  return out;
}

}  // namespace

std::string AwsUriEncode(std::string_view text, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kDigits[c >> 4];
      out += kDigits[c & 15];
    }
  }
  return out;
}

std::string SigV4SignedHeaders(const SigV4Request& request) {
  std::string out;
  for (const auto& header : CanonicalHeaders(request)) out += (out.empty() ? "" : ";") + header.first;
  return out;
}

std::string SigV4CanonicalRequest(const SigV4Request& request) {
  std::string out =
      request.method + "\n" + AwsUriEncode(request.path, true) + "\n" + CanonicalQuery(request.query) + "\n";
  for (const auto& [name, value] : CanonicalHeaders(request)) out += name + ":" + value + "\n";
  return out + "\n" + SigV4SignedHeaders(request) + "\n" + request.payload_sha256;
}

std::string SigV4StringToSign(std::string_view amz_date, const SigV4Scope& scope, std::string_view canonical_request) {
  return "AWS4-HMAC-SHA256\n" + std::string(amz_date) + "\n" + scope.ToString() + "\n" + Sha256Hex(canonical_request);
}

std::string SigV4Signature(std::string_view secret_access_key, const SigV4Scope& scope,
                           std::string_view string_to_sign) {
  std::string key = HmacSha256("AWS4" + std::string(secret_access_key), scope.date);
  key = HmacSha256(key, scope.region);
  key = HmacSha256(key, scope.service);
  key = HmacSha256(key, "aws4_request");
  const std::string mac = HmacSha256(key, string_to_sign);
  return Hex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
}

std::string SigV4Authorization(const AwsCredentials& credentials, const SigV4Scope& scope, std::string_view amz_date,
                               const SigV4Request& request) {
  const std::string signature = SigV4Signature(credentials.secret_access_key, scope,
                                               SigV4StringToSign(amz_date, scope, SigV4CanonicalRequest(request)));
  return "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" + scope.ToString() +
         ", SignedHeaders=" + SigV4SignedHeaders(request) + ", Signature=" + signature;
}

std::string AmzDate(std::chrono::system_clock::time_point time) {
  const std::time_t t = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buffer[20];
  std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &utc);
  return buffer;
}

std::string PresignS3GetUrl(const AwsCredentials& credentials, std::string_view region, std::string_view base,
                            std::string_view path, std::string_view amz_date, std::int64_t expires_s) {
  const SigV4Scope scope{std::string(amz_date.substr(0, 8)), std::string(region), "s3"};
  std::string host(base.substr(base.find("://") == std::string_view::npos ? 0 : base.find("://") + 3));
  SigV4Request request;
  request.method = "GET";
  request.path = std::string(path);
  request.query = {{"X-Amz-Algorithm", "AWS4-HMAC-SHA256"},
                   {"X-Amz-Credential", credentials.access_key_id + "/" + scope.ToString()},
                   {"X-Amz-Date", std::string(amz_date)},
                   {"X-Amz-Expires", std::to_string(expires_s)},
                   {"X-Amz-SignedHeaders", "host"}};
  request.headers = {{"host", host}};
  request.payload_sha256 = "UNSIGNED-PAYLOAD";
  const std::string signature = SigV4Signature(credentials.secret_access_key, scope,
                                               SigV4StringToSign(amz_date, scope, SigV4CanonicalRequest(request)));
  return std::string(base) + AwsUriEncode(path, true) + "?" + CanonicalQuery(request.query) +
         "&X-Amz-Signature=" + signature;
}

}  // namespace iris
