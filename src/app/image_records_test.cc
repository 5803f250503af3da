// Both ImageRecords: iris.db and a real PostgreSQL server (support/postgres_process.h).
#include "app/image_records.h"

#include <gtest/gtest.h>

#include "support/postgres_process.h"
#include "support/temp_dir.h"

namespace iris::app {
namespace {

class ImageRecordsTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      sqlite_ = std::move(Database::Open(dir_.path() / "iris.db")).value();
      records_ = std::make_unique<SqliteImageRecords>(*sqlite_);
    } else {
      postgres_ = std::move(PostgresDatabase::Open(testing::PostgresProcess::Shared().CreateDatabase())).value();
      records_ = std::make_unique<PostgresImageRecords>(*postgres_);
    }
  }

  testing::TempDir dir_;
  std::unique_ptr<Database> sqlite_;
  std::unique_ptr<PostgresDatabase> postgres_;
  std::unique_ptr<ImageRecords> records_;
};

TEST_P(ImageRecordsTest, RecordsOnceAndAnswersTheContentType) {
  const std::string sha(64, 'a');
  const std::string key = "sha256/aa/aa/" + sha;
  auto missing = records_->ContentType(key);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "no stored image with that sha256");
  ASSERT_TRUE(records_->Record({key, sha, 1234, "image/png"}).ok());
  ASSERT_TRUE(records_->Record({key, sha, 1234, "image/jpeg"}).ok()) << "a second store of equal bytes is a no-op";
  auto type = records_->ContentType(key);
  ASSERT_TRUE(type.ok()) << type.status().ToString();
  EXPECT_EQ(*type, "image/png");
}

INSTANTIATE_TEST_SUITE_P(Backends, ImageRecordsTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace iris::app
