#include "auth/api_key.h"

#include <gtest/gtest.h>

#include <set>

namespace iris::auth {
namespace {

TEST(ApiKey, GeneratedKeysHaveTheDocumentedShapeAndAreUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    auto key = GenerateApiKey();
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    EXPECT_EQ(key->text, "iris_" + key->id + "_" + key->secret);
    EXPECT_EQ(key->id.size(), kApiKeyIdChars);
    EXPECT_EQ(key->secret.size(), kApiKeySecretChars);
    EXPECT_TRUE(IsApiKeyId(key->id));
    EXPECT_TRUE(seen.insert(key->secret).second);
    auto parsed = ParseApiKey(key->text);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(parsed->id, key->id);
    EXPECT_EQ(parsed->secret, key->secret);
  }
}

TEST(ApiKey, MalformedKeysAreRefusedWithoutQuotingThem) {
  const std::string id(12, 'a');
  const std::string secret(64, 'b');
  const std::vector<std::string> bad = {
      "",
      "iris_",
      "iris_" + id,
      "iris_" + id + "_",
      "iris_" + id + "_" + secret + "0",              // too long
      "iris_" + id + "_" + secret.substr(1),          // too short
      "IRIS_" + id + "_" + secret,                    // prefix case
      "iris-" + id + "-" + secret,                    // separators
      "iris_" + std::string(12, 'A') + "_" + secret,  // upper-case hex
      "iris_" + id + "_" + std::string(63, 'b') + "g",
      " iris_" + id + "_" + secret.substr(1),
      "iris_" + id + "_" + std::string(63, 'b') + std::string(1, '\0'),
      "Bearer iris_" + id + "_" + secret,
  };
  for (const auto& text : bad) {
    auto parsed = ParseApiKey(text);
    EXPECT_FALSE(parsed.ok()) << text;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
      if (text.size() > 8) {
        EXPECT_EQ(parsed.status().message().find(text), std::string::npos);
      }
    }
  }
  EXPECT_FALSE(IsApiKeyId("abc"));
  EXPECT_FALSE(IsApiKeyId("ABCDEF123456"));
  EXPECT_FALSE(IsApiKeyId("abcdef12345g"));
}

TEST(ApiKey, OnlyTheRightSecretMatchesItsHash) {
  auto key = GenerateApiKey();
  ASSERT_TRUE(key.ok());
  const std::string hash = HashApiKeySecret(key->secret);
  EXPECT_EQ(hash.size(), 64u);
  EXPECT_NE(hash, key->secret);
  EXPECT_TRUE(ApiKeySecretMatches(key->secret, hash));
  std::string other = key->secret;
  other[63] = other[63] == '0' ? '1' : '0';
  EXPECT_FALSE(ApiKeySecretMatches(other, hash));
  EXPECT_FALSE(ApiKeySecretMatches(key->secret, hash.substr(1)));  // a stored value of another length
  EXPECT_FALSE(ApiKeySecretMatches(key->secret, ""));
  EXPECT_FALSE(ApiKeySecretMatches("", hash));
}

}  // namespace
}  // namespace iris::auth
