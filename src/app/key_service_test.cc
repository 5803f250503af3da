#include "app/key_service.h"

#include <gtest/gtest.h>

#include <thread>

#include "support/temp_dir.h"

namespace iris::app {
namespace {

class KeyServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = OpenKeyService(dir_.path());
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    opened_ = std::move(opened).value();
  }
  KeyService& keys() { return *opened_.keys; }

  iris::testing::TempDir dir_;
  OpenedKeyService opened_;
};

TEST_F(KeyServiceTest, CreatedKeyChecksValidWithItsScopeAndLimit) {
  auto created = keys().Create({"ci", true, 12});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->record.scope, auth::KeyScope::kRead);
  EXPECT_EQ(created->record.rate_limit_per_minute, 12);
  EXPECT_TRUE(created->key.starts_with("iris_" + created->record.id + "_"));
  EXPECT_EQ(created->record.secret_sha256.find(created->key.substr(18)), std::string::npos);

  auto checked = keys().Check(created->key);
  ASSERT_TRUE(checked.ok()) << checked.status().ToString();
  EXPECT_EQ(checked->outcome, KeyCheck::kValid);
  EXPECT_EQ(checked->record.id, created->record.id);
  EXPECT_EQ(checked->key_id, created->record.id);
  auto listed = keys().List();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_FALSE((*listed)[0].last_used_at.empty());  // the first use is recorded
}

TEST_F(KeyServiceTest, BadRequestsAreRefused) {
  EXPECT_EQ(keys().Create({"", false, 0}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(keys().Create({std::string(101, 'n'), false, 0}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(keys().Create({"tab\there", false, 0}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(keys().Create({"n", false, -1}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(keys().Create({"n", false, 1'000'001}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(keys().Revoke("not-an-id").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(keys().Revoke("0123456789ab").status().code(), StatusCode::kNotFound);
}

TEST_F(KeyServiceTest, MalformedUnknownWrongSecretAndRevokedKeys) {
  auto created = keys().Create({"app", false, 0});
  ASSERT_TRUE(created.ok());
  const std::string& key = created->key;

  auto malformed = keys().Check("Bearer " + key);
  ASSERT_TRUE(malformed.ok());
  EXPECT_EQ(malformed->outcome, KeyCheck::kMalformed);
  EXPECT_TRUE(malformed->key_id.empty());

  auto unknown = keys().Check("iris_0123456789ab_" + std::string(64, '0'));
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->outcome, KeyCheck::kUnknown);
  EXPECT_EQ(unknown->key_id, "0123456789ab");

  std::string wrong = key;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  auto wrong_secret = keys().Check(wrong);
  ASSERT_TRUE(wrong_secret.ok());
  EXPECT_EQ(wrong_secret->outcome, KeyCheck::kUnknown);

  auto revoked = keys().Revoke(created->record.id);
  ASSERT_TRUE(revoked.ok());
  EXPECT_TRUE(*revoked);
  auto after = keys().Check(key);  // revoked through this object: refused at once, despite the cache
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->outcome, KeyCheck::kRevoked);
  // A revoked key's wrong secret says nothing about the revoke.
  auto wrong_after = keys().Check(wrong);
  ASSERT_TRUE(wrong_after.ok());
  EXPECT_EQ(wrong_after->outcome, KeyCheck::kUnknown);
  auto twice = keys().Revoke(created->record.id);
  ASSERT_TRUE(twice.ok());
  EXPECT_FALSE(*twice);
}

// A second KeyService on the same file stands for `iris keys` in another process.
TEST_F(KeyServiceTest, AnotherProcessesRevokeIsSeenOnceTheCacheExpires) {
  KeyService server(*opened_.database, KeyServiceOptions{std::chrono::milliseconds(200), std::chrono::minutes(1)});
  auto other = OpenKeyService(dir_.path());
  ASSERT_TRUE(other.ok());
  // Created elsewhere: valid on its first request (unknown ids are never cached).
  auto created = other->keys->Create({"elsewhere", false, 0});
  ASSERT_TRUE(created.ok());
  auto first = server.Check(created->key);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->outcome, KeyCheck::kValid);

  ASSERT_TRUE(other->keys->Revoke(created->record.id).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  auto later = server.Check(created->key);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->outcome, KeyCheck::kRevoked);
}

TEST_F(KeyServiceTest, RateLimitIsPerKey) {
  auto limited = keys().Create({"limited", false, 2});
  auto free = keys().Create({"free", false, 0});
  ASSERT_TRUE(limited.ok() && free.ok());
  EXPECT_EQ(keys().TakeRequest(limited->record), std::nullopt);
  EXPECT_EQ(keys().TakeRequest(limited->record), std::nullopt);
  auto wait = keys().TakeRequest(limited->record);
  ASSERT_TRUE(wait.has_value());
  EXPECT_GE(*wait, 1);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(keys().TakeRequest(free->record), std::nullopt);
}

}  // namespace
}  // namespace iris::app
