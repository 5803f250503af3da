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
      {2, "jobs",
       R"sql(
CREATE TABLE jobs (                   -- background jobs (jobs/job_store.h)
  task_id TEXT PRIMARY KEY,           -- UUIDv4
  kind TEXT NOT NULL,                 -- names the handler, e.g. "generate-batch"
  params TEXT NOT NULL,               -- JSON given at creation
  status TEXT NOT NULL,               -- queued | running | succeeded | failed | cancelled
  total INTEGER NOT NULL,             -- number of items
  done_count INTEGER NOT NULL DEFAULT 0,    -- items that succeeded
  failed_count INTEGER NOT NULL DEFAULT 0,  -- items that failed for good
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  recoveries INTEGER NOT NULL DEFAULT 0,    -- times a dead process's in-flight items were taken back
  error TEXT,                         -- why the job failed or was cancelled
  result TEXT,                        -- JSON summary, set when the job ends
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT
);
CREATE INDEX jobs_by_status ON jobs(status, created_at);
CREATE TABLE job_items (
  task_id TEXT NOT NULL REFERENCES jobs(task_id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,               -- 0-based position in the job
  item TEXT NOT NULL,                 -- what the handler works on (a path, an id, ...)
  state TEXT NOT NULL,                -- pending | running | done | failed
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,  -- unix ms; a retried item waits for its backoff
  owner TEXT,                         -- job_runners.runner_id while running
  error TEXT,                         -- the last failure's message
  result TEXT,                        -- JSON the handler returned for a done item
  PRIMARY KEY (task_id, seq)
) WITHOUT ROWID;
CREATE INDEX job_items_by_state ON job_items(task_id, state, seq);
CREATE INDEX job_items_by_owner ON job_items(owner) WHERE owner IS NOT NULL;
CREATE TABLE job_runners (            -- live JobRunners, one row each, kept fresh by a heartbeat
  runner_id TEXT PRIMARY KEY,
  pid INTEGER NOT NULL,
  started_at TEXT NOT NULL,
  heartbeat_at INTEGER NOT NULL       -- unix ms
);
)sql"},
      {3, "job_expansions_and_duplicate_signatures",
       R"sql(
CREATE TABLE job_expansions (         -- items that appended more items to their job (JobStore::AppendItems), once each
  task_id TEXT NOT NULL REFERENCES jobs(task_id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,               -- the appending item
  appended INTEGER NOT NULL,          -- how many items it appended
  PRIMARY KEY (task_id, seq)
) WITHOUT ROWID;
CREATE TABLE duplicate_signatures (   -- near-duplicate signatures of collection items (dedup/signature_store.h)
  collection TEXT NOT NULL,
  item_id TEXT NOT NULL,
  signature BLOB NOT NULL,            -- versioned binary DuplicateSignature (dedup/signature_codec.h)
  updated_at TEXT NOT NULL,
  PRIMARY KEY (collection, item_id)
) WITHOUT ROWID;
)sql"},
      {4, "result_cache_size_bound",
       R"sql(
-- The result cache becomes bounded (ResultCache, analysis.cache_max_bytes): each entry records its
-- size and when it was last stored or hit; result_cache_usage keeps the total, maintained by the
-- triggers below, so a store can tell in O(1) whether least recently used entries must go.
ALTER TABLE result_cache ADD COLUMN size INTEGER NOT NULL DEFAULT 0;          -- bytes (ResultCache::EntrySize)
ALTER TABLE result_cache ADD COLUMN last_used_us INTEGER NOT NULL DEFAULT 0;  -- unix microseconds, LRU order
UPDATE result_cache SET
  size = length(value) + length(CAST(params AS BLOB)) + length(CAST(operation AS BLOB)) +
         length(CAST(model_version AS BLOB)) + 128,
  last_used_us = CAST((julianday(COALESCE(last_hit_at, created_at)) - 2440587.5) * 86400000000.0 AS INTEGER);
DROP INDEX result_cache_by_last_hit;
CREATE INDEX result_cache_by_last_used ON result_cache(last_used_us, size);
CREATE TABLE result_cache_usage (
  id INTEGER PRIMARY KEY CHECK (id = 0),  -- one row
  bytes INTEGER NOT NULL                  -- SUM(result_cache.size)
);
INSERT INTO result_cache_usage(id, bytes) SELECT 0, COALESCE(SUM(size), 0) FROM result_cache;
CREATE TRIGGER result_cache_usage_insert AFTER INSERT ON result_cache BEGIN
  UPDATE result_cache_usage SET bytes = bytes + NEW.size WHERE id = 0;
END;
CREATE TRIGGER result_cache_usage_delete AFTER DELETE ON result_cache BEGIN
  UPDATE result_cache_usage SET bytes = bytes - OLD.size WHERE id = 0;
END;
CREATE TRIGGER result_cache_usage_update AFTER UPDATE OF size ON result_cache BEGIN
  UPDATE result_cache_usage SET bytes = bytes - OLD.size + NEW.size WHERE id = 0;
END;
)sql"},
      {5, "duplicate_signature_tiers",
       R"sql(
-- Near-duplicate signatures in two tiers (dedup/signature_tiers.h, dedup/signature_store.h): the small
-- resident part every check needs is read in full when a collection's index loads; the cold part only
-- for the candidates of a check. Rows of duplicate_signatures (format v1) are converted into these by
-- SignatureStore::LoadAll on a collection's first load.
-- Not WITHOUT ROWID: a ~1.4 KB row is above the ~1 KB an index b-tree keeps in its page, so each row
-- would take an overflow page of its own (measured: 4.5 KB per row instead of ~1.5 KB).
CREATE TABLE duplicate_resident (
  collection TEXT NOT NULL,
  item_id TEXT NOT NULL,
  resident BLOB NOT NULL,             -- "IDSR" v2: pHashes, vote keys, embedding (dedup/tiered_signature_codec.h)
  updated_at TEXT NOT NULL,
  PRIMARY KEY (collection, item_id)
);
CREATE TABLE duplicate_cold (
  collection TEXT NOT NULL,
  item_id TEXT NOT NULL,
  cold BLOB NOT NULL,                 -- "IDSC" v2: thumbnails, keypoints (dedup/tiered_signature_codec.h)
  PRIMARY KEY (collection, item_id)
);
)sql"},
      {6, "api_keys",
       R"sql(
CREATE TABLE api_keys (               -- API keys of `iris serve` (auth/api_key_store.h, docs/security.md)
  id TEXT PRIMARY KEY,                -- 12 hex chars, public (the key reads iris_<id>_<secret>)
  name TEXT NOT NULL,                 -- what the operator called it
  secret_sha256 TEXT NOT NULL,        -- SHA-256 of the 256-bit random secret; the secret itself is never stored
  scope TEXT NOT NULL,                -- read | write (write implies read)
  rate_limit_per_minute INTEGER NOT NULL DEFAULT 0,  -- 0: unlimited
  created_at TEXT NOT NULL,
  revoked_at TEXT,                    -- set once by `iris keys revoke`; a revoked key is refused
  last_used_at TEXT                   -- updated at most once a minute per key and process
);
)sql"},
  };
  return kMigrations;
}

}  // namespace iris
