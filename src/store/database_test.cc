#include "store/database.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_dir.h"

namespace iris {
namespace {

// Each write adds one row to items and bumps totals.n in the same transaction, so every
// consistent snapshot has COUNT(items) == totals.n.
const std::vector<Migration> kCounterSchema = {
    {1, "counters",
     "CREATE TABLE items(id INTEGER PRIMARY KEY, writer INTEGER NOT NULL, seq INTEGER NOT NULL, UNIQUE(writer, seq));"
     "CREATE TABLE totals(id INTEGER PRIMARY KEY, n INTEGER NOT NULL);"
     "INSERT INTO totals VALUES (1, 0)"},
};

Result<std::int64_t> QueryInt(SqliteConnection& c, const std::string& sql) {
  IRIS_ASSIGN_OR_RETURN(SqliteStatement select, c.Prepare(sql));
  IRIS_ASSIGN_OR_RETURN(bool row, select.Step());
  if (!row) return Internal("no row for " + sql);
  return select.ColumnInt64(0);
}

Result<std::string> QueryText(SqliteConnection& c, const std::string& sql) {
  IRIS_ASSIGN_OR_RETURN(SqliteStatement select, c.Prepare(sql));
  IRIS_ASSIGN_OR_RETURN(bool row, select.Step());
  if (!row) return Internal("no row for " + sql);
  return select.ColumnText(0);
}

std::unique_ptr<Database> OpenOrDie(const std::filesystem::path& file, DatabaseOptions options = {}) {
  auto db = Database::Open(file, options, kCounterSchema);
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  return db.ok() ? std::move(db).value() : nullptr;
}

Status AddItem(SqliteConnection& c, int writer, int seq) {
  IRIS_ASSIGN_OR_RETURN(SqliteStatement insert, c.Prepare("INSERT INTO items(writer, seq) VALUES (?, ?)"));
  IRIS_RETURN_IF_ERROR(insert.BindInt64(1, writer));
  IRIS_RETURN_IF_ERROR(insert.BindInt64(2, seq));
  IRIS_RETURN_IF_ERROR(insert.Run());
  return c.Execute("UPDATE totals SET n = n + 1 WHERE id = 1");
}

std::int64_t CountItems(Database& db) {
  std::int64_t count = -1;
  Status status = db.Read([&](SqliteConnection& c) -> Status {
    IRIS_ASSIGN_OR_RETURN(count, QueryInt(c, "SELECT COUNT(*) FROM items"));
    return Status::Ok();
  });
  EXPECT_TRUE(status.ok()) << status.ToString();
  return count;
}

TEST(DatabaseTest, UsesWalAndCreatesParentDirectories) {
  testing::TempDir dir;
  std::filesystem::path file = dir.path() / "a" / "b" / "iris.db";
  auto db = OpenOrDie(file);
  ASSERT_NE(db, nullptr);
  EXPECT_TRUE(std::filesystem::exists(file));
  EXPECT_EQ(db->schema_version(), 1);

  Status read = db->Read([](SqliteConnection& c) -> Status {
    IRIS_ASSIGN_OR_RETURN(std::string mode, QueryText(c, "PRAGMA journal_mode"));
    EXPECT_EQ(mode, "wal");
    IRIS_ASSIGN_OR_RETURN(std::int64_t foreign_keys, QueryInt(c, "PRAGMA foreign_keys"));
    EXPECT_EQ(foreign_keys, 1);
    return Status::Ok();
  });
  EXPECT_TRUE(read.ok()) << read.ToString();
  Status write = db->Write([](SqliteConnection& c) -> Status {
    IRIS_ASSIGN_OR_RETURN(std::int64_t synchronous, QueryInt(c, "PRAGMA synchronous"));
    EXPECT_EQ(synchronous, 1);  // NORMAL
    IRIS_ASSIGN_OR_RETURN(std::int64_t foreign_keys, QueryInt(c, "PRAGMA foreign_keys"));
    EXPECT_EQ(foreign_keys, 1);
    return AddItem(c, 0, 0);
  });
  EXPECT_TRUE(write.ok()) << write.ToString();
  EXPECT_TRUE(std::filesystem::exists(file.string() + "-wal"));
}

TEST(DatabaseTest, ReopenKeepsDataAndSkipsMigrations) {
  testing::TempDir dir;
  {
    auto db = OpenOrDie(dir.path() / "iris.db");
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->Write([](SqliteConnection& c) { return AddItem(c, 1, 1); }).ok());
  }
  auto db = OpenOrDie(dir.path() / "iris.db");
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->schema_version(), 1);
  EXPECT_EQ(CountItems(*db), 1);
  // The migration's seed row was not inserted twice.
  Status status = db->Read([](SqliteConnection& c) -> Status {
    IRIS_ASSIGN_OR_RETURN(std::int64_t rows, QueryInt(c, "SELECT COUNT(*) FROM totals"));
    EXPECT_EQ(rows, 1);
    return Status::Ok();
  });
  EXPECT_TRUE(status.ok()) << status.ToString();
}

TEST(DatabaseTest, FailedWriteIsRolledBack) {
  testing::TempDir dir;
  auto db = OpenOrDie(dir.path() / "iris.db");
  ASSERT_NE(db, nullptr);

  Status failed = db->Write([](SqliteConnection& c) -> Status {
    IRIS_RETURN_IF_ERROR(AddItem(c, 1, 1));
    return Unprocessable("changed my mind");
  });
  EXPECT_EQ(failed.code(), StatusCode::kUnprocessable);
  EXPECT_EQ(failed.message(), "changed my mind");
  EXPECT_EQ(CountItems(*db), 0);

  Status thrown = db->Write([](SqliteConnection& c) -> Status {
    IRIS_RETURN_IF_ERROR(AddItem(c, 1, 2));
    throw std::runtime_error("boom");
  });
  EXPECT_EQ(thrown.code(), StatusCode::kInternal);
  EXPECT_NE(thrown.message().find("boom"), std::string::npos);
  EXPECT_EQ(CountItems(*db), 0);

  // A constraint violation from SQLite itself rolls back the earlier statements of the same Write.
  Status duplicate = db->Write([](SqliteConnection& c) -> Status {
    IRIS_RETURN_IF_ERROR(AddItem(c, 2, 1));
    return AddItem(c, 2, 1);
  });
  EXPECT_EQ(duplicate.code(), StatusCode::kAlreadyExists) << duplicate.ToString();
  EXPECT_EQ(CountItems(*db), 0);

  // The writer is left usable.
  EXPECT_TRUE(db->Write([](SqliteConnection& c) { return AddItem(c, 3, 1); }).ok());
  EXPECT_EQ(CountItems(*db), 1);
}

TEST(DatabaseTest, ReadConnectionsRefuseWrites) {
  testing::TempDir dir;
  auto db = OpenOrDie(dir.path() / "iris.db");
  ASSERT_NE(db, nullptr);
  Status status = db->Read([](SqliteConnection& c) { return AddItem(c, 1, 1); });
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("readonly"), std::string::npos) << status.message();
  EXPECT_EQ(CountItems(*db), 0);
}

TEST(DatabaseTest, ReadersWaitWhenAllConnectionsAreBusy) {
  testing::TempDir dir;
  auto db = OpenOrDie(dir.path() / "iris.db", {.read_connections = 1});
  ASSERT_NE(db, nullptr);

  std::atomic<bool> first_inside{false};
  std::atomic<bool> release_first{false};
  std::atomic<bool> second_inside{false};
  std::thread first([&] {
    Status s = db->Read([&](SqliteConnection&) {
      first_inside = true;
      while (!release_first) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      // The only connection is ours, so the second reader cannot have started.
      EXPECT_FALSE(second_inside.load());
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
  });
  while (!first_inside) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::thread second([&] {
    Status s = db->Read([&](SqliteConnection&) {
      second_inside = true;
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  release_first = true;
  first.join();
  second.join();
  EXPECT_TRUE(second_inside);
}

TEST(DatabaseTest, ConcurrentReadersAndWritersNeverFail) {
  testing::TempDir dir;
  constexpr int kWriters = 8;
  constexpr int kReaders = 8;
  constexpr int kOpsPerThread = 300;
  constexpr int kReadConnections = 4;
  auto db = OpenOrDie(dir.path() / "iris.db", {.read_connections = kReadConnections});
  ASSERT_NE(db, nullptr);

  std::atomic<int> errors{0};
  std::atomic<int> inconsistent{0};
  std::atomic<int> active_readers{0};
  std::atomic<int> max_active_readers{0};
  std::vector<std::thread> threads;
  auto start = std::chrono::steady_clock::now();
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kOpsPerThread; ++i) {
        Status s = db->Write([&](SqliteConnection& c) { return AddItem(c, w, i); });
        if (!s.ok()) {
          ++errors;
          ADD_FAILURE() << s.ToString();
        }
      }
    });
  }
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&] {
      std::int64_t last_seen = 0;
      for (int i = 0; i < kOpsPerThread; ++i) {
        Status s = db->Read([&](SqliteConnection& c) -> Status {
          int now = ++active_readers;
          int seen = max_active_readers.load();
          while (now > seen && !max_active_readers.compare_exchange_weak(seen, now)) {
          }
          Status result = [&]() -> Status {
            IRIS_ASSIGN_OR_RETURN(std::int64_t count, QueryInt(c, "SELECT COUNT(*) FROM items"));
            IRIS_ASSIGN_OR_RETURN(std::int64_t total, QueryInt(c, "SELECT n FROM totals WHERE id = 1"));
            // One snapshot: both queries see the same committed writes, and time never goes back.
            if (count != total || count < last_seen) ++inconsistent;
            last_seen = count;
            return Status::Ok();
          }();
          --active_readers;
          return result;
        });
        if (!s.ok()) {
          ++errors;
          ADD_FAILURE() << s.ToString();
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  EXPECT_EQ(errors, 0);
  EXPECT_EQ(inconsistent, 0);
  EXPECT_LE(max_active_readers, kReadConnections);
  EXPECT_EQ(CountItems(*db), kWriters * kOpsPerThread);
  Status check = db->Read([&](SqliteConnection& c) -> Status {
    IRIS_ASSIGN_OR_RETURN(std::int64_t total, QueryInt(c, "SELECT n FROM totals WHERE id = 1"));
    EXPECT_EQ(total, kWriters * kOpsPerThread);
    IRIS_ASSIGN_OR_RETURN(std::int64_t writers, QueryInt(c, "SELECT COUNT(DISTINCT writer) FROM items"));
    EXPECT_EQ(writers, kWriters);
    return Status::Ok();
  });
  EXPECT_TRUE(check.ok()) << check.ToString();

  int ops = (kWriters + kReaders) * kOpsPerThread;
  std::cout << "[ concurrency ] " << kWriters << " writers + " << kReaders << " readers x " << kOpsPerThread
            << " ops = " << ops << " ops in " << seconds << " s (" << ops / seconds << " ops/s), max readers at once "
            << max_active_readers << "\n";
  RecordProperty("ops", ops);
  RecordProperty("milliseconds", static_cast<int>(seconds * 1000));
}

TEST(DatabaseTest, TwoHandlesOnOneFileWaitForEachOther) {
  // Stands in for two processes: their writers contend for SQLite's file lock, which
  // busy_timeout_ms must absorb.
  testing::TempDir dir;
  constexpr int kThreadsPerHandle = 4;
  constexpr int kOpsPerThread = 100;
  auto a = OpenOrDie(dir.path() / "iris.db");
  auto b = OpenOrDie(dir.path() / "iris.db");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2 * kThreadsPerHandle; ++t) {
    Database& db = t % 2 == 0 ? *a : *b;
    threads.emplace_back([&, t] {
      for (int i = 0; i < kOpsPerThread; ++i) {
        Status s = db.Write([&](SqliteConnection& c) { return AddItem(c, t, i); });
        if (!s.ok()) {
          ++errors;
          ADD_FAILURE() << s.ToString();
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(errors, 0);
  EXPECT_EQ(CountItems(*a), 2 * kThreadsPerHandle * kOpsPerThread);
  EXPECT_EQ(CountItems(*b), 2 * kThreadsPerHandle * kOpsPerThread);
}

TEST(DatabaseTest, ClosedDatabaseRefusesCalls) {
  testing::TempDir dir;
  auto db = OpenOrDie(dir.path() / "iris.db");
  ASSERT_NE(db, nullptr);
  db->Close();
  EXPECT_EQ(db->Write([](SqliteConnection& c) { return AddItem(c, 1, 1); }).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(db->Read([](SqliteConnection&) { return Status::Ok(); }).code(), StatusCode::kFailedPrecondition);
  db->Close();  // twice is fine
}

TEST(DatabaseTest, RejectsBadOptions) {
  testing::TempDir dir;
  auto db = Database::Open(dir.path() / "iris.db", {.read_connections = 0}, kCounterSchema);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace iris
