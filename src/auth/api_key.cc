#include "auth/api_key.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <array>
#include <cstdint>

#include "core/hash.h"

namespace iris::auth {
namespace {

constexpr std::string_view kPrefix = "iris_";

bool IsLowerHex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Result<std::string> RandomHex(std::size_t bytes) {
  std::array<unsigned char, 64> buffer{};
  if (bytes > buffer.size() || RAND_bytes(buffer.data(), static_cast<int>(bytes)) != 1) {
    return Internal("the random generator (OpenSSL RAND_bytes) failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes * 2);
  for (std::size_t i = 0; i < bytes; ++i) {
    out += kHex[buffer[i] >> 4];
    out += kHex[buffer[i] & 0xf];
  }
  OPENSSL_cleanse(buffer.data(), buffer.size());
  return out;
}

}  // namespace

Result<GeneratedApiKey> GenerateApiKey() {
  IRIS_ASSIGN_OR_RETURN(std::string id, RandomHex(kApiKeyIdChars / 2));
  IRIS_ASSIGN_OR_RETURN(std::string secret, RandomHex(kApiKeySecretChars / 2));
  GeneratedApiKey key;
  key.text = std::string(kPrefix) + id + "_" + secret;
  key.id = std::move(id);
  key.secret = std::move(secret);
  return key;
}

Result<ApiKeyParts> ParseApiKey(std::string_view text) {
  constexpr std::size_t kLength = kPrefix.size() + kApiKeyIdChars + 1 + kApiKeySecretChars;
  if (text.size() != kLength || !text.starts_with(kPrefix) || text[kPrefix.size() + kApiKeyIdChars] != '_') {
    return InvalidArgument("malformed API key: expected iris_<12 hex>_<64 hex>");
  }
  std::string_view id = text.substr(kPrefix.size(), kApiKeyIdChars);
  std::string_view secret = text.substr(kPrefix.size() + kApiKeyIdChars + 1);
  if (!IsLowerHex(id) || !IsLowerHex(secret)) {
    return InvalidArgument("malformed API key: expected iris_<12 hex>_<64 hex>");
  }
  return ApiKeyParts{std::string(id), std::string(secret)};
}

bool IsApiKeyId(std::string_view id) { return id.size() == kApiKeyIdChars && IsLowerHex(id); }

std::string HashApiKeySecret(std::string_view secret) { return Sha256Hex(secret); }

bool ApiKeySecretMatches(std::string_view secret, std::string_view stored_hash) {
  const std::string presented = HashApiKeySecret(secret);
  if (presented.size() != stored_hash.size()) return false;
  return CRYPTO_memcmp(presented.data(), stored_hash.data(), presented.size()) == 0;
}

}  // namespace iris::auth
