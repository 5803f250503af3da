// Config: every setting of Iris, with an embedded default for each, so `iris serve` with no
// configuration works. Sources, lowest to highest precedence:
//   defaults < TOML file (--config / IRIS_CONFIG) < IRIS_* environment variables < command-line flags.
// Each setting is declared once in ConfigOptions() (TOML key, env variable, flag, help), which
// drives all three sources, `iris serve --help` and docs/configuration.md. Later modules add
// their sections here. A Config is a plain value: copy it freely, it is not synchronised.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace iris {

struct ServerConfig {
  std::string host = "127.0.0.1";
  int port = 8000;
  int worker_threads = 0;                    // 0: 4 per core, at least 8
  int max_queued_connections = 256;          // requests waiting for a worker; beyond this 503 + Retry-After
  int max_connections = 512;                 // open connections (waiting, idle or served); beyond this 503
  std::int64_t max_body_bytes = 64ll << 20;  // request bodies above this get 413
  std::int64_t max_buffered_request_bytes = 256ll << 20;  // request bytes read ahead of the workers, all connections
  int keep_alive_timeout_s = 5;
  double header_timeout_s = 10;     // a request's headers must arrive within this (408 after)
  int read_timeout_s = 30;          // a whole request, first byte to last body byte (408 after)
  double shutdown_deadline_s = 20;  // how long SIGTERM waits for in-flight requests
  // API keys (docs/security.md): "auto" requires one when host is not loopback, "required", "off".
  std::string auth = "auto";
  std::vector<std::string> cors_origins;  // browser origins allowed cross-origin ("*": any); empty: no CORS
};

struct StorageConfig {
  std::string data_dir = "./iris-data";  // SQLite database and blobs live here
  // "" keeps the job queue and result cache in <data_dir>/iris.db; "postgresql://..." puts them in a
  // PostgreSQL database shared by several processes (docs/scale-out.md).
  std::string database_url;
  int database_pool_size = 8;                // PostgreSQL connections per process
  double database_statement_timeout_s = 30;  // one PostgreSQL statement
  // Where vector collections live: "local" (<data_dir>/collections, one process), "qdrant" (a Qdrant
  // server's REST API) or "milvus" (a Milvus server's REST API v2), shared by several processes
  // (docs/scale-out.md).
  std::string vector_engine = "local";
  std::string qdrant_url;                          // http(s)://host:6333
  std::string qdrant_api_key;                      // sent as "api-key"; never printed
  std::string qdrant_collection_prefix = "iris_";  // Qdrant collection names begin with it
  double qdrant_timeout_s = 30;                    // one Qdrant request
  std::string milvus_url;                          // http(s)://host:19530
  std::string milvus_token;                        // sent as "Authorization: Bearer"; never printed
  std::string milvus_collection_prefix = "iris_";  // Milvus collection names begin with it
  double milvus_timeout_s = 30;                    // one Milvus request
  // Where the jewelry catalog's images go (catalog.websites): "filesystem" (<data_dir>/catalog-blobs) or "s3".
  std::string backend = "filesystem";
  std::string s3_endpoint;  // scheme://host[:port]; "" = https://s3.<region>.amazonaws.com
  std::string s3_region = "us-east-1";
  std::string s3_access_key_id;
  std::string s3_secret_access_key;  // never printed
  int s3_path_style = 0;             // 1: endpoint/bucket/key (MinIO, s3rver); 0: bucket.endpoint/key (AWS)
  int s3_public_urls = 0;            // 1: plain object URLs (public buckets); 0: presigned GET URLs
  std::int64_t s3_presign_expires_s = 3600;
  double s3_timeout_s = 60;
  int s3_multipart_threshold_mb = 16;  // larger objects are uploaded in parts
  int s3_multipart_part_mb = 8;        // size of one part (S3's minimum: 5)
  // POST /v1/images originals: "" = <data_dir>/blobs; a bucket name = that S3 bucket (the s3_* settings
  // above), shared by every process (docs/scale-out.md).
  std::string s3_images_bucket;
};

struct IngestConfig {
  std::int64_t max_image_bytes = 40ll << 20;    // encoded file size limit
  std::int64_t max_image_pixels = 100'000'000;  // width*height limit, checked from the header
  double max_aspect_ratio = 50;                 // longer side / shorter side limit, checked from the header
  double fetch_timeout_s = 20;                  // whole URL fetch, redirects included
  double fetch_connect_timeout_s = 5;
  int fetch_max_redirects = 5;
  std::vector<std::string> fetch_allow_hosts;  // hosts exempt from the private-address refusal
};

struct RuntimeConfig {
  std::string device = "auto";  // cpu, cuda, or auto (cuda when its provider loads, else cpu)
  int require_gpu = 0;          // 1: start-up fails when no GPU provider can be used
  int intra_op_threads = 0;     // 0: one per physical core
  int inter_op_threads = 1;
  int cpu_mem_arena = 1;              // ONNX Runtime's CPU arena (0 returns memory to the OS sooner)
  int allow_spinning = 1;             // ONNX Runtime threads busy-wait between runs
  int max_batch_size = 8;             // dynamic batcher default, per model
  int max_queue_delay_us = 0;         // how long the batcher waits to fill a batch, always
  int max_announced_wait_us = 50000;  // how long it waits for inputs announced by requests in flight
  int max_queue_size = 256;           // queued inputs per model before overload (503)
};

struct ModelsConfig {
  std::string dir = "./iris-data/models";      // installed models, one folder per catalog name
  std::string mirror;                          // folder or URL tried before the catalog URLs
  std::vector<std::string> preload;            // models loaded at start-up (/readyz waits for them)
  std::vector<std::string> local;              // "name=DIR": model folders outside the catalog (HF/Xenova CLIP layout)
  std::string default_clip = "clip-vit-b-32";  // CLIP model used when a request names none
};

// The captioning provider behind describe_image: any OpenAI-compatible chat-completions API that
// takes images (OpenAI, Gemini's OpenAI endpoint, vLLM, llama.cpp server, Ollama).
struct CaptionsConfig {
  std::string url;                    // base URL, e.g. https://api.openai.com/v1 ("" = not configured)
  std::string model = "gpt-4o-mini";  // model name sent in the request
  std::string api_key;                // sent as "Authorization: Bearer"; never logged
  std::string prompt = "Describe this image in one or two sentences.";
  double timeout_s = 60;         // one attempt, whole request
  int max_retries = 3;           // extra attempts after a 429, 5xx or network error
  int backoff_initial_ms = 500;  // first retry delay (doubles each time, with jitter)
  int backoff_max_ms = 8000;     // longest delay between attempts (Retry-After is honoured up to this)
  int max_concurrency = 4;       // provider calls in flight at once, process-wide
};

// Generated product shots of the jewelry catalog (POST /generate-images, /regenerate-image): the
// OpenAI-compatible image-edit provider (POST {url}/images/edits, multipart) for the AI-made types,
// and the local white-background type (ISNet cut-out on pure white), which needs no provider.
struct GenerationConfig {
  std::string url;                    // base URL, e.g. https://api.openai.com/v1 ("" = no provider)
  std::string model = "gpt-image-1";  // model name sent in each request
  std::string api_key;                // sent as "Authorization: Bearer"; never logged
  std::string size = "1024x1024";     // `size` sent to the provider ("auto" or WxH)
  std::string quality;                // `quality` sent when not empty (gpt-image-1: low, medium, high, auto)
  double timeout_s = 180;             // one attempt, whole request (image edits take 10-60 s)
  int max_retries = 3;                // extra attempts after a 429, 5xx, timeout or network error
  int backoff_initial_ms = 2000;      // first retry delay (doubles each time, with full jitter)
  int backoff_max_ms = 60000;         // longest delay between attempts (Retry-After is honoured up to this)
  int max_concurrency = 4;            // image-edit calls in flight at once, process-wide
  std::string foreground_model = "isnet-general-small-int8";  // ISNet model of the white-background type
  int white_size = 2000;     // white-background shots are white_size x white_size pixels
  double white_fill = 0.85;  // the product's longer side fills this fraction of the canvas
};

// Defaults of the analysis operations (/analyze_image/, iris analyze).
struct AnalysisConfig {
  std::string person_detector = "yolox-nano";
  std::string face_detector = "yunet";  // or ultraface-rfb-320 / ultraface-rfb-640
  std::string face_embedder = "mobilefacenet";
  std::string dino_v2_model = "dinov2-small";
  std::string dino_v3_model = "dinov3-vitl16";
  std::string resnet_model = "resnet50";
  std::string foreground_model;   // ISNet model for POST /process-image foreground sections; "" = none
  std::string region_clip_model;  // CLIP model scoring POST /process-image section crops against the prompt; "" = none
  int region_vlm = 0;  // 1: POST /process-image analyses kept sections through the captions provider (its VLM)
  double min_person_score = 0.4;  // floor for "prominent_person" (coco-tiny: precision 0.875, recall 0.824)
  double min_face_score = 0.7;    // floor for "prominent_face", detect_faces (YuNet: 0 false positives, dlib)
  std::string classifiers_dir = "./iris-data/classifiers";  // trained collection classifiers
  int cache_results = 1;                           // 1: cache operation results by image content hash (result cache)
  std::int64_t cache_max_bytes = 256ll << 20;      // result cache size; least recently used entries evicted above
  std::int64_t cache_max_entry_bytes = 8ll << 20;  // results larger than this are not cached
  int max_crop_side = 1024;                        // cropped_image_base64: longest side of the returned crop
  std::int64_t max_response_bytes = 64ll << 20;    // one analysis reply; tasks beyond it become errors
};

// Vector collections (index/collection_manager.h).
struct CollectionsConfig {
  int max_collections = 100;  // collections that may exist at once (each keeps its log file open)
};

// Background jobs (jobs/job_runner.h): generate-batch, generate-all, re-index, duplicate scans.

struct JobsConfig {
  int workers = 2;                  // items processed at once, over all jobs
  int max_pending_items = 100'000;  // unfinished items over all queued and running jobs; a job that
                                    // would pass it is refused (429)
  int max_attempts = 5;             // per item, counting the first (transient errors are retried)
  int backoff_initial_ms = 1000;    // first retry delay (doubles per attempt, with jitter)
  int backoff_max_ms = 60000;       // longest retry delay
  double lease_s = 15;              // a process silent this long is presumed dead; its items run again
  double retention_days = 30;       // ended jobs older than this are deleted (0: kept forever)
};

// The seed's product routes (/embeddings/..., /similar-products/...) on one default collection.
struct ProductsConfig {
  std::string collection = "products";  // created on first write
  std::string model;                    // embedding model of a new collection ("" = models.default_clip)
  std::string image_url_template;       // product image URL, "{id}" replaced, e.g. https://shop/api/products/{id}/image
  std::string list_url;                 // product list, "{page}" and "{page_size}" replaced (or appended as query)
  int page_size = 50;                   // generate-all's batch_size when the request gives none
};

// The jewelry catalog of the seed-003/004 routes (/image_similarity_search, /delete_image): one collection
// and one bucket/prefix per website.
struct CatalogConfig {
  // "name=bucket[/prefix]" per website; with the filesystem backend the bucket names a folder.
  std::vector<std::string> websites = {"alya=alyaimg", "blysk=blyskimg"};
  std::string default_website = "alya";  // the seed's default for a request that names none
  std::string model;                     // embedding model of a website's collection ("" = models.default_clip)
};

struct LogConfig {
  std::string level = "info";   // trace, debug, info, warn, error
  std::string format = "json";  // json (one object per line) or text
};

struct Config {
  ServerConfig server;
  StorageConfig storage;
  IngestConfig ingest;
  RuntimeConfig runtime;
  ModelsConfig models;
  CaptionsConfig captions;
  GenerationConfig generation;
  AnalysisConfig analysis;
  CollectionsConfig collections;
  JobsConfig jobs;
  ProductsConfig products;
  CatalogConfig catalog;
  LogConfig log;
};

// One user-visible setting.
struct ConfigOption {
  enum class Kind { kString, kNumber, kList };  // kList: comma-separated in env and flags
  std::string key;                              // TOML path, e.g. "server.port"
  std::string env;   // environment variable, e.g. "IRIS_SERVER_PORT" (IRIS_ + key, unless named)
  std::string flag;  // command-line flag, e.g. "--port"
  std::string help;
  Kind kind = Kind::kString;
  std::function<Status(Config&, std::string_view)> set;  // parses a textual value
  std::function<std::string(const Config&)> get;         // current value as text
};

const std::vector<ConfigOption>& ConfigOptions();

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup ProcessEnv();

// Builds a Config from the three sources. `toml_path` empty: no file unless IRIS_CONFIG names
// one. `flags` maps ConfigOption::flag to the value given on the command line.
// Unknown TOML keys and unparseable values are errors naming the key.
Result<Config> LoadConfig(const std::string& toml_path, const EnvLookup& env,
                          const std::map<std::string, std::string>& flags);

// Cross-field checks (port range, positive limits...).
Status ValidateConfig(const Config& config);

// The effective configuration as TOML text (for `iris config` and logs); api keys and secret keys print as "***".
std::string ConfigToToml(const Config& config);

}  // namespace iris
