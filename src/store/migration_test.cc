#include "store/migration.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/database.h"
#include "store/schema.h"
#include "support/temp_dir.h"

namespace iris {
namespace {

std::int64_t QueryInt(SqliteConnection& db, const std::string& sql) {
  auto select = db.Prepare(sql);
  EXPECT_TRUE(select.ok()) << select.status().ToString();
  if (!select.ok()) return -1;
  auto row = select->Step();
  EXPECT_TRUE(row.ok() && *row) << sql;
  return row.ok() && *row ? select->ColumnInt64(0) : -1;
}

std::unique_ptr<SqliteConnection> OpenOrDie(const std::filesystem::path& file) {
  auto connection = SqliteConnection::Open(file);
  EXPECT_TRUE(connection.ok()) << connection.status().ToString();
  return connection.ok() ? std::move(connection).value() : nullptr;
}

const std::vector<Migration> kTwoMigrations = {
    {1, "create_items", "CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT NOT NULL)"},
    {2, "seed_items", "CREATE TABLE tags(id INTEGER); INSERT INTO items(name) VALUES ('seed')"},
};

TEST(MigrationTest, AppliedOnceInOrderAndRecorded) {
  testing::TempDir dir;
  auto db = OpenOrDie(dir.path() / "m.db");
  ASSERT_NE(db, nullptr);

  auto version = ApplyMigrations(*db, kTwoMigrations);
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  EXPECT_EQ(*version, 2);
  EXPECT_EQ(QueryInt(*db, "SELECT COUNT(*) FROM schema_migrations"), 2);
  EXPECT_EQ(QueryInt(*db,
                     "SELECT COUNT(*) FROM schema_migrations WHERE version = 2 AND name = 'seed_items' "
                     "AND applied_at LIKE '____-__-__T__:__:__.___Z'"),
            1);

  // Applying again runs nothing: the seed row is not inserted twice.
  version = ApplyMigrations(*db, kTwoMigrations);
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  EXPECT_EQ(*version, 2);
  EXPECT_EQ(QueryInt(*db, "SELECT COUNT(*) FROM items"), 1);
  EXPECT_EQ(QueryInt(*db, "SELECT COUNT(*) FROM schema_migrations"), 2);
}

TEST(MigrationTest, NewMigrationsApplyOnTopOfOldOnes) {
  testing::TempDir dir;
  auto db = OpenOrDie(dir.path() / "m.db");
  ASSERT_NE(db, nullptr);
  std::vector<Migration> first(kTwoMigrations.begin(), kTwoMigrations.begin() + 1);
  ASSERT_EQ(ApplyMigrations(*db, first).value(), 1);
  ASSERT_EQ(ApplyMigrations(*db, kTwoMigrations).value(), 2);
  EXPECT_EQ(QueryInt(*db, "SELECT COUNT(*) FROM items"), 1);
}

TEST(MigrationTest, FailingMigrationRollsBackAndNamesItself) {
  testing::TempDir dir;
  auto db = OpenOrDie(dir.path() / "m.db");
  ASSERT_NE(db, nullptr);
  std::vector<Migration> migrations = kTwoMigrations;
  // The first statement succeeds, the second fails: the table must not survive.
  migrations.push_back({3, "broken_step", "CREATE TABLE half_done(x); INSERT INTO no_such_table VALUES (1)"});

  auto version = ApplyMigrations(*db, migrations);
  ASSERT_FALSE(version.ok());
  EXPECT_NE(version.status().message().find("migration 3 (broken_step) failed"), std::string::npos)
      << version.status().message();
  EXPECT_NE(version.status().message().find("no such table: no_such_table"), std::string::npos)
      << version.status().message();
  EXPECT_EQ(QueryInt(*db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'half_done'"), 0);
  EXPECT_EQ(QueryInt(*db, "SELECT MAX(version) FROM schema_migrations"), 2);

  // Through Database::Open the failure is the Open's error.
  auto opened = Database::Open(dir.path() / "other.db", {}, migrations);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.status().message().find("broken_step"), std::string::npos) << opened.status().message();
}

TEST(MigrationTest, NewerDatabaseIsRefused) {
  testing::TempDir dir;
  auto db = OpenOrDie(dir.path() / "m.db");
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(ApplyMigrations(*db, kTwoMigrations).ok());

  std::vector<Migration> older(kTwoMigrations.begin(), kTwoMigrations.begin() + 1);
  auto version = ApplyMigrations(*db, older);
  ASSERT_FALSE(version.ok());
  EXPECT_EQ(version.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(version.status().message().find("schema version 2, newer than this build knows (1)"), std::string::npos)
      << version.status().message();
  db.reset();

  auto opened = Database::Open(dir.path() / "m.db", {}, older);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kFailedPrecondition);
}

TEST(MigrationTest, MalformedListIsRejected) {
  testing::TempDir dir;
  auto db = OpenOrDie(dir.path() / "m.db");
  ASSERT_NE(db, nullptr);
  std::vector<Migration> out_of_order = {{2, "b", "CREATE TABLE b(x)"}, {1, "a", "CREATE TABLE a(x)"}};
  auto version = ApplyMigrations(*db, out_of_order);
  ASSERT_FALSE(version.ok());
  EXPECT_EQ(version.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(QueryInt(*db, "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('a', 'b')"), 0);
}

TEST(MigrationTest, IrisSchemaCreatesCacheAndBlobTables) {
  testing::TempDir dir;
  for (int open = 0; open < 2; ++open) {  // the second open is a no-op
    auto db = Database::Open(dir.path() / "iris.db");
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    EXPECT_EQ((*db)->schema_version(), IrisMigrations().back().version);
    Status status = (*db)->Read([](SqliteConnection& c) -> Status {
      EXPECT_EQ(QueryInt(c,
                         "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND "
                         "name IN ('result_cache', 'blobs', 'schema_migrations')"),
                3);
      EXPECT_EQ(QueryInt(c, "SELECT COUNT(*) FROM schema_migrations"),
                static_cast<std::int64_t>(IrisMigrations().size()));
      EXPECT_EQ(QueryInt(c,
                         "SELECT COUNT(*) FROM pragma_table_info('result_cache') WHERE name IN ('key', "
                         "'content_sha256', 'operation', 'params', 'model_version', 'value', 'created_at', "
                         "'last_hit_at')"),
                8);
      EXPECT_EQ(QueryInt(c,
                         "SELECT COUNT(*) FROM pragma_table_info('blobs') WHERE name IN ('key', 'sha256', "
                         "'size', 'content_type', 'created_at')"),
                5);
      return Status::Ok();
    });
    EXPECT_TRUE(status.ok()) << status.ToString();
  }
}

}  // namespace
}  // namespace iris
