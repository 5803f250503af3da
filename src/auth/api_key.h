// ApiKey: the text form of an Iris API key and how its secret is kept (docs/security.md).
//
// A key reads "iris_<id>_<secret>":
//   id     12 lower-case hex characters (6 random bytes). Public: listed by `iris keys list`,
//          written in the access log, used to revoke. Not a credential.
//   secret 64 lower-case hex characters (32 bytes from OpenSSL's RAND_bytes). Shown once when the
//          key is created; only its SHA-256 is stored.
// A single unsalted SHA-256 is enough because the secret is 256 bits of randomness, not a password:
// there is no dictionary to try, so slow or salted hashes would add cost and no protection.
// Comparisons of a presented secret with the stored hash run in constant time (CRYPTO_memcmp).
//
// Errors: ParseApiKey returns kInvalidArgument with a message that never quotes the text (it may be
// someone's secret); GenerateApiKey returns kInternal if the random generator fails.
// Pure functions, no state: thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace iris::auth {

inline constexpr std::size_t kApiKeyIdChars = 12;
inline constexpr std::size_t kApiKeySecretChars = 64;

struct ApiKeyParts {
  std::string id;
  std::string secret;
};

struct GeneratedApiKey {
  std::string id;
  std::string secret;
  std::string text;  // iris_<id>_<secret>
};

Result<GeneratedApiKey> GenerateApiKey();

// Splits "iris_<id>_<secret>"; anything else (wrong prefix, lengths, upper-case or non-hex
// characters, surrounding spaces) is kInvalidArgument.
Result<ApiKeyParts> ParseApiKey(std::string_view text);

// True for 12 lower-case hex characters.
bool IsApiKeyId(std::string_view id);

// SHA-256 of the secret, lower-case hex: what the store keeps.
std::string HashApiKeySecret(std::string_view secret);

// Whether `secret` hashes to `stored_hash` (hex), compared in constant time.
bool ApiKeySecretMatches(std::string_view secret, std::string_view stored_hash);

}  // namespace iris::auth
