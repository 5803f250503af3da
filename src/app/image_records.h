// ImageRecords: one record per original stored by POST /v1/images -- its blob key, SHA-256, size and
// content type -- for ImageLibrary (image_library.h), which keeps the bytes in a BlobStore.
//
//   SqliteImageRecords    the `blobs` table of iris.db (one process).
//   PostgresImageRecords  the `blobs` table of the shared PostgreSQL database (migration 5 of
//                         store/postgres_schema.cc), with the bytes in S3 (storage.s3_images_bucket), so
//                         an image stored through one process is served by every process.
//
// Record of a key already recorded is a no-op (equal content, equal key). ContentType: kNotFound "no
// stored image with that sha256" when the key has no record. Database errors are returned as is.
// Thread-safety: both are safe from any number of threads; they borrow their database.
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"
#include "store/database.h"
#include "store/postgres_database.h"

namespace iris::app {

struct ImageRecord {
  std::string key;  // BlobStore key, "sha256/ab/cd/<64 hex>"
  std::string sha256;
  std::int64_t size = 0;
  std::string content_type;
};

class ImageRecords {
 public:
  virtual ~ImageRecords() = default;
  virtual Status Record(const ImageRecord& record) = 0;
  virtual Result<std::string> ContentType(const std::string& key) = 0;
};

class SqliteImageRecords : public ImageRecords {
 public:
  explicit SqliteImageRecords(Database& db) : db_(db) {}
  Status Record(const ImageRecord& record) override;
  Result<std::string> ContentType(const std::string& key) override;

 private:
  Database& db_;
};

class PostgresImageRecords : public ImageRecords {
 public:
  explicit PostgresImageRecords(PostgresDatabase& db) : db_(db) {}
  Status Record(const ImageRecord& record) override;
  Result<std::string> ContentType(const std::string& key) override;

 private:
  PostgresDatabase& db_;
};

}  // namespace iris::app
