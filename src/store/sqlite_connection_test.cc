#include "store/sqlite_connection.h"

#include <gtest/gtest.h>

#include <string>

#include "support/temp_dir.h"

namespace iris {
namespace {

std::unique_ptr<SqliteConnection> OpenOrDie(const std::filesystem::path& file, SqliteOpenOptions options = {}) {
  auto connection = SqliteConnection::Open(file, options);
  EXPECT_TRUE(connection.ok()) << connection.status().ToString();
  return connection.ok() ? std::move(connection).value() : nullptr;
}

TEST(SqliteConnectionTest, BindsAndReadsEveryType) {
  testing::TempDir dir;
  auto db = OpenOrDie(dir.path() / "t.db");
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Execute("CREATE TABLE t(i INTEGER, d REAL, s TEXT, b BLOB, n TEXT)").ok());

  auto insert = db->Prepare("INSERT INTO t VALUES (?, ?, ?, ?, ?)");
  ASSERT_TRUE(insert.ok()) << insert.status().ToString();
  const std::string blob("\x00\x01\xff zero", 8);
  ASSERT_TRUE(insert->BindInt64(1, 9'000'000'000LL).ok());
  ASSERT_TRUE(insert->BindDouble(2, 2.5).ok());
  ASSERT_TRUE(insert->BindText(3, "héllo").ok());
  ASSERT_TRUE(insert->BindBlob(4, blob).ok());
  ASSERT_TRUE(insert->BindNull(5).ok());
  ASSERT_TRUE(insert->Run().ok());
  EXPECT_EQ(db->changes(), 1);
  EXPECT_EQ(db->last_insert_rowid(), 1);

  // Reset clears bindings, so the second row is all NULL except the empty blob.
  ASSERT_TRUE(insert->Reset().ok());
  ASSERT_TRUE(insert->BindBlob(4, "").ok());
  ASSERT_TRUE(insert->Run().ok());

  auto select = db->Prepare("SELECT i, d, s, b, n FROM t ORDER BY rowid");
  ASSERT_TRUE(select.ok());
  EXPECT_EQ(select->column_count(), 5);
  auto row = select->Step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ(select->ColumnInt64(0), 9'000'000'000LL);
  EXPECT_DOUBLE_EQ(select->ColumnDouble(1), 2.5);
  EXPECT_EQ(select->ColumnText(2), "héllo");
  EXPECT_EQ(select->ColumnBlob(3), blob);
  EXPECT_TRUE(select->ColumnIsNull(4));
  EXPECT_EQ(select->ColumnText(4), "");

  row = select->Step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_TRUE(select->ColumnIsNull(0));
  EXPECT_FALSE(select->ColumnIsNull(3));  // an empty blob, not NULL
  EXPECT_EQ(select->ColumnBlob(3), "");

  row = select->Step();
  ASSERT_TRUE(row.ok());
  EXPECT_FALSE(*row);
}

TEST(SqliteConnectionTest, ErrorsCarrySqliteMessage) {
  testing::TempDir dir;
  auto db = OpenOrDie(dir.path() / "t.db");
  ASSERT_NE(db, nullptr);

  auto bad = db->Prepare("SELECT * FROM no_such_table");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInternal);
  EXPECT_NE(bad.status().message().find("no such table: no_such_table"), std::string::npos) << bad.status().message();

  Status exec =
      db->Execute("CREATE TABLE t(x INTEGER PRIMARY KEY); INSERT INTO t VALUES (1); INSERT INTO t VALUES (1)");
  ASSERT_FALSE(exec.ok());
  EXPECT_EQ(exec.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(exec.message().find("UNIQUE constraint failed: t.x"), std::string::npos) << exec.message();

  auto two = db->Prepare("SELECT 1; SELECT 2");
  ASSERT_FALSE(two.ok());
  EXPECT_EQ(two.status().code(), StatusCode::kInvalidArgument);

  auto bind = db->Prepare("SELECT ?");
  ASSERT_TRUE(bind.ok());
  Status out_of_range = bind->BindInt64(2, 1);
  EXPECT_FALSE(out_of_range.ok());
  EXPECT_NE(out_of_range.message().find("parameter 2"), std::string::npos) << out_of_range.message();
}

// A full database file is StorageFull (HTTP 507), never a rate limit: SQLite's own page limit gives
// SQLITE_FULL through the same path a full disk does (unixWrite maps ENOSPC to SQLITE_FULL).
TEST(SqliteConnectionTest, AFullDatabaseIsStorageFull) {
  testing::TempDir dir;
  auto db = OpenOrDie(dir.path() / "t.db");
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Execute("CREATE TABLE t(x BLOB)").ok());
  ASSERT_TRUE(db->Execute("PRAGMA max_page_count = 4").ok());
  Status full = db->Execute("INSERT INTO t VALUES (zeroblob(1000000))");
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.code(), StatusCode::kStorageFull) << full.ToString();
}

TEST(SqliteConnectionTest, ReadOnlyConnectionRefusesWritesAndMissingFiles) {
  testing::TempDir dir;
  auto missing = SqliteConnection::Open(dir.path() / "missing.db", {.read_only = true});
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("missing.db"), std::string::npos) << missing.status().message();

  auto writer = OpenOrDie(dir.path() / "t.db");
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->Execute("CREATE TABLE t(x)").ok());
  auto reader = OpenOrDie(dir.path() / "t.db", {.read_only = true});
  ASSERT_NE(reader, nullptr);
  EXPECT_TRUE(reader->read_only());
  Status write = reader->Execute("INSERT INTO t VALUES (1)");
  ASSERT_FALSE(write.ok());
  EXPECT_NE(write.message().find("readonly"), std::string::npos) << write.message();
}

}  // namespace
}  // namespace iris
