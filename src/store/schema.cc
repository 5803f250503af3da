#include "store/schema.h"

namespace iris {

const std::vector<Migration>& IrisMigrations() {
  // Times are ISO-8601 UTC text with milliseconds ("2024-05-01T12:00:00.000Z"): readable in the
  // sqlite3 shell and ordered correctly by plain string comparison.
  static const std::vector<Migration> kMigrations = {
      {1, "result_cache_and_blobs",
       R"sql(
CREATE TABLE result_cache (
  key TEXT PRIMARY KEY,               -- sha256 of the four parts below (ResultCache)
  content_sha256 TEXT NOT NULL,
  operation TEXT NOT NULL,
  params TEXT NOT NULL,               -- canonical JSON
  model_version TEXT NOT NULL,
  value BLOB NOT NULL,
  created_at TEXT NOT NULL,
  last_hit_at TEXT
);
CREATE INDEX result_cache_by_content ON result_cache(content_sha256);
CREATE INDEX result_cache_by_last_hit ON result_cache(last_hit_at);
CREATE TABLE blobs (
  key TEXT PRIMARY KEY,               -- BlobStore key, "sha256/ab/cd/<64 hex>"
  sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  content_type TEXT NOT NULL,
  created_at TEXT NOT NULL
);
)sql"},
  };
  return kMigrations;
}

}  // namespace iris
