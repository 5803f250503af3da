#include "store/postgres_schema.h"

namespace iris {

const std::vector<PostgresMigration>& PostgresMigrations() {
  static const std::vector<PostgresMigration> kMigrations = {
      {1, "jobs",
       R"sql(
CREATE TABLE jobs (                   -- background jobs (jobs/postgres_job_store.h)
  task_id TEXT PRIMARY KEY,
  created_seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,  -- creation order (ties of created_at)
  kind TEXT NOT NULL,
  params TEXT NOT NULL,
  status TEXT NOT NULL,               -- queued | running | succeeded | failed | cancelled
  total BIGINT NOT NULL,
  done_count BIGINT NOT NULL DEFAULT 0,
  failed_count BIGINT NOT NULL DEFAULT 0,
  cancel_requested BOOLEAN NOT NULL DEFAULT false,
  recoveries INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  result TEXT,
  created_at TEXT NOT NULL,           -- ISO-8601 UTC with milliseconds, like the SQLite store
  started_at TEXT,
  finished_at TEXT,
  finished_at_ts TIMESTAMPTZ          -- for retention
);
CREATE INDEX jobs_by_status ON jobs(status, created_seq);
CREATE TABLE job_items (
  task_id TEXT NOT NULL REFERENCES jobs(task_id) ON DELETE CASCADE,
  seq BIGINT NOT NULL,
  item TEXT NOT NULL,
  state TEXT NOT NULL,                -- pending | running | done | failed
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL DEFAULT 0,  -- unix ms
  owner TEXT,                         -- job_runners.runner_id while running
  worked_by TEXT,                     -- the runner that recorded the outcome (operations: who did what)
  error TEXT,
  result TEXT,
  PRIMARY KEY (task_id, seq)
);
CREATE INDEX job_items_by_state ON job_items(task_id, state, seq);
-- The claim's walk: pending items of a job in order. A partial index, so the plan is an ordered index
-- scan even before ANALYZE has seen a freshly inserted 100k-item job (with job_items_by_state the
-- planner then guesses "1 row" and sorts every pending item: 50-70 ms a claim).
CREATE INDEX job_items_pending ON job_items(task_id, seq) WHERE state = 'pending';
CREATE INDEX job_items_by_owner ON job_items(owner) WHERE owner IS NOT NULL;
CREATE TABLE job_runners (
  runner_id TEXT PRIMARY KEY,
  pid BIGINT NOT NULL,
  host TEXT NOT NULL,
  started_at TEXT NOT NULL,
  heartbeat_at BIGINT NOT NULL        -- unix ms, the runner's clock
);
CREATE TABLE job_expansions (
  task_id TEXT NOT NULL REFERENCES jobs(task_id) ON DELETE CASCADE,
  seq BIGINT NOT NULL,
  appended BIGINT NOT NULL,
  PRIMARY KEY (task_id, seq)
);
)sql"},
      {2, "result_cache",
       R"sql(
CREATE TABLE result_cache (           -- ResultCache entries shared by every process (store/postgres_cache_table.h)
  key TEXT PRIMARY KEY,               -- CacheKey::Digest()
  content_sha256 TEXT NOT NULL,
  operation TEXT NOT NULL,
  params TEXT NOT NULL,
  model_version TEXT NOT NULL,
  value BYTEA NOT NULL,
  size BIGINT NOT NULL,               -- ResultCache::EntrySize
  last_used_us BIGINT NOT NULL,       -- unix microseconds, LRU order
  hit BOOLEAN NOT NULL DEFAULT false, -- hit at least once since stored
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX result_cache_by_content ON result_cache(content_sha256);
CREATE INDEX result_cache_by_last_used ON result_cache(last_used_us, size);
CREATE TABLE result_cache_usage (
  id INTEGER PRIMARY KEY CHECK (id = 0),
  bytes BIGINT NOT NULL               -- SUM(result_cache.size), kept by the trigger below
);
INSERT INTO result_cache_usage(id, bytes) VALUES (0, 0);
CREATE FUNCTION result_cache_usage_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE result_cache_usage SET bytes = bytes + NEW.size WHERE id = 0;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE result_cache_usage SET bytes = bytes - OLD.size WHERE id = 0;
  ELSIF NEW.size <> OLD.size THEN
    UPDATE result_cache_usage SET bytes = bytes + NEW.size - OLD.size WHERE id = 0;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER result_cache_usage_track AFTER INSERT OR UPDATE OF size OR DELETE ON result_cache
  FOR EACH ROW EXECUTE FUNCTION result_cache_usage_track();
)sql"},
      {3, "api_keys",
       R"sql(
CREATE TABLE api_keys (               -- API keys of every `iris serve` on this database (auth/api_key_store.h)
  id TEXT PRIMARY KEY,                -- 12 hex chars, public (the key reads iris_<id>_<secret>)
  name TEXT NOT NULL,
  secret_sha256 TEXT NOT NULL,        -- SHA-256 of the secret; the secret itself is never stored
  scope TEXT NOT NULL,                -- read | write
  rate_limit_per_minute BIGINT NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,           -- ISO-8601 UTC, like iris.db
  revoked_at TEXT,
  last_used_at TEXT
);
)sql"},
      {4, "duplicate_signatures",
       R"sql(
-- Near-duplicate signatures shared by every process (dedup/postgres_signature_store.h), the two tiers
-- of SQLite's duplicate_resident / duplicate_cold, plus the change feed the processes catch up on.
CREATE TABLE duplicate_resident (
  collection TEXT NOT NULL,
  item_id TEXT NOT NULL,
  resident BYTEA NOT NULL,            -- EncodeResident
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (collection, item_id)
);
CREATE TABLE duplicate_cold (
  collection TEXT NOT NULL,
  item_id TEXT NOT NULL,
  cold BYTEA NOT NULL,                -- EncodeCold
  PRIMARY KEY (collection, item_id)
);
CREATE TABLE duplicate_changes (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  collection TEXT NOT NULL,
  item_id TEXT,                       -- NULL: the whole collection was removed
  changed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX duplicate_changes_by_collection ON duplicate_changes(collection, seq);
CREATE TABLE duplicate_feed_floor (   -- changes up to `floor` were pruned: a reader behind it reloads
  collection TEXT PRIMARY KEY,
  floor BIGINT NOT NULL
);
)sql"},
      {5, "blobs",
       R"sql(
CREATE TABLE blobs (                  -- originals stored by POST /v1/images (app/image_records.h); bytes in S3
  key TEXT PRIMARY KEY,               -- BlobStore key, "sha256/ab/cd/<64 hex>"
  sha256 TEXT NOT NULL,
  size BIGINT NOT NULL,
  content_type TEXT NOT NULL,
  created_at TEXT NOT NULL            -- ISO-8601 UTC with milliseconds, like iris.db
);
)sql"},
      {6, "classifiers",
       R"sql(
-- Collection classifiers shared by every process (classify/postgres_classifier_store.h): the rows of
-- a classifiers folder (classify/folder_classifier_store.h), one per stored version, and its index.
CREATE TABLE classifier_versions (
  collection_id TEXT NOT NULL,
  version TEXT NOT NULL,              -- YYYYMMDDTHHMMSSZ
  document TEXT NOT NULL,             -- the classifier file's JSON (classify/classifier_file.h)
  created_at TEXT NOT NULL,           -- ISO-8601 UTC with milliseconds, like iris.db
  PRIMARY KEY (collection_id, version)
);
CREATE SEQUENCE classifier_best_revision;
CREATE TABLE classifier_best (        -- best_models.json: the version each collection's requests use
  collection_id TEXT PRIMARY KEY,
  version TEXT NOT NULL,
  macro_precision DOUBLE PRECISION NOT NULL,
  macro_recall DOUBLE PRECISION NOT NULL,
  test_samples INTEGER NOT NULL,
  revision BIGINT NOT NULL            -- from classifier_best_revision, new on every change (cache stamp)
);
)sql"},
  };
  return kMigrations;
}

}  // namespace iris
