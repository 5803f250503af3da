#include "core/redacted_url.h"

#include <gtest/gtest.h>

namespace iris {
namespace {

TEST(RedactedUrlTest, HidesPasswordsAndKeepsEverythingElse) {
  EXPECT_EQ(RedactedUrl("postgresql://iris:s3cret@db.internal:5432/iris"),
            "postgresql://iris:***@db.internal:5432/iris");
  EXPECT_EQ(RedactedUrl("postgres://iris@db/iris?sslmode=require&password=x%40y&application_name=a"),
            "postgres://iris@db/iris?sslmode=require&password=***&application_name=a");
  EXPECT_EQ(RedactedUrl("host=db user=iris password=secret dbname=iris"), "host=db user=iris password=*** dbname=iris");
  EXPECT_EQ(RedactedUrl("postgresql:///iris?host=/run/postgresql&port=5432"),
            "postgresql:///iris?host=/run/postgresql&port=5432");
  EXPECT_EQ(RedactedUrl("postgresql://db:5432/iris"), "postgresql://db:5432/iris");
  EXPECT_EQ(RedactedUrl(""), "");
}

}  // namespace
}  // namespace iris
