#include "auth/api_key_store.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "auth/api_key.h"
#include "support/postgres_process.h"
#include "support/temp_dir.h"

namespace iris::auth {
namespace {

ApiKeyRecord Record(const GeneratedApiKey& key, std::string name, KeyScope scope = KeyScope::kWrite) {
  ApiKeyRecord r;
  r.id = key.id;
  r.name = std::move(name);
  r.scope = scope;
  r.rate_limit_per_minute = 30;
  r.secret_sha256 = HashApiKeySecret(key.secret);
  return r;
}

// The same behaviour on either store.
void ListRevokeAndTouch(ApiKeyStore& store) {
  auto a = GenerateApiKey();
  auto b = GenerateApiKey();
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(store.Insert(Record(*a, "a")).ok());
  ASSERT_TRUE(store.Insert(Record(*b, "b")).ok());
  EXPECT_EQ(store.Insert(Record(*a, "again")).code(), StatusCode::kAlreadyExists);

  auto revoked = store.Revoke(a->id);
  ASSERT_TRUE(revoked.ok()) << revoked.status().ToString();
  EXPECT_TRUE(*revoked);
  auto again = store.Revoke(a->id);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);  // already revoked: revoked_at is kept
  EXPECT_EQ(store.Revoke("000000000000").status().code(), StatusCode::kNotFound);

  ASSERT_TRUE(store.TouchLastUsed(b->id).ok());
  auto list = store.List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  for (const auto& key : *list) {
    if (key.id == a->id) {
      EXPECT_TRUE(key.revoked());
      EXPECT_TRUE(key.last_used_at.empty());
    } else {
      EXPECT_FALSE(key.revoked());
      EXPECT_FALSE(key.last_used_at.empty());
    }
  }
  auto missing = store.Find("ffffffffffff");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

class ApiKeyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::Open(dir_.path() / "iris.db");
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    store_ = std::make_unique<SqliteApiKeyStore>(*db_);
  }

  iris::testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<ApiKeyStore> store_;
};

TEST_F(ApiKeyStoreTest, StoresTheHashNeverTheSecret) {
  auto key = GenerateApiKey();
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(store_->Insert(Record(*key, "ci", KeyScope::kRead)).ok());
  auto found = store_->Find(key->id);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->name, "ci");
  EXPECT_EQ((*found)->scope, KeyScope::kRead);
  EXPECT_EQ((*found)->rate_limit_per_minute, 30);
  EXPECT_FALSE((*found)->created_at.empty());
  EXPECT_FALSE((*found)->revoked());
  EXPECT_TRUE((*found)->last_used_at.empty());
  EXPECT_TRUE(ApiKeySecretMatches(key->secret, (*found)->secret_sha256));

  // The secret appears nowhere in the database files (main file and WAL).
  db_->Close();
  for (const char* name : {"iris.db", "iris.db-wal"}) {
    std::ifstream in(dir_.path() / name, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    EXPECT_EQ(bytes.str().find(key->secret), std::string::npos) << name;
  }
}

TEST_F(ApiKeyStoreTest, ListsRevokesAndTouches) { ListRevokeAndTouch(*store_); }

TEST(PostgresApiKeyStoreTest, ListsRevokesTouchesAndKeepsOnlyTheHash) {
  auto server = iris::testing::PostgresProcess::Start();
  ASSERT_NE(server, nullptr) << iris::testing::PostgresProcess::NotInstalledMessage();
  const std::string url = server->CreateDatabase();
  auto db = PostgresDatabase::Open(url);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  PostgresApiKeyStore store(**db);
  ListRevokeAndTouch(store);

  auto key = GenerateApiKey();
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(store.Insert(Record(*key, "ci", KeyScope::kRead)).ok());
  auto found = store.Find(key->id);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->scope, KeyScope::kRead);
  EXPECT_EQ((*found)->created_at.size(), 24u) << (*found)->created_at;  // 2026-12-07T21:00:00.000Z
  EXPECT_TRUE(ApiKeySecretMatches(key->secret, (*found)->secret_sha256));
  for (const std::string& row : iris::testing::PostgresProcess::Query(url, "SELECT api_keys::text FROM api_keys")) {
    EXPECT_EQ(row.find(key->secret), std::string::npos) << row;
  }
}

}  // namespace
}  // namespace iris::auth
