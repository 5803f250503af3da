#include "core/config.h"

#include <toml++/toml.h>

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>

#include "core/redacted_url.h"

namespace iris {
namespace {

template <typename T>
Status ParseNumber(std::string_view text, T& out, std::string_view key) {
  std::string s(text);
  try {
    std::size_t used = 0;
    if constexpr (std::is_floating_point_v<T>) {
      out = static_cast<T>(std::stod(s, &used));
    } else {
      out = static_cast<T>(std::stoll(s, &used));
    }
    if (used != s.size()) throw std::invalid_argument("trailing");
  } catch (const std::exception&) {
    return InvalidArgument("setting " + std::string(key) + ": '" + s + "' is not a number");
  }
  return {};
}

std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in{std::string(text)};
  while (std::getline(in, item, ',')) {
    auto b = item.find_first_not_of(" \t");
    auto e = item.find_last_not_of(" \t");
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
  }
  return out;
}

std::string JoinList(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}

std::string EnvName(std::string_view key) {
  std::string env = "IRIS_";
  for (char c : key) env += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return env;
}

// Builders for the three kinds of setting. `field` reaches the member inside Config.
template <typename Field>
ConfigOption MakeOption(std::string key, std::string flag, std::string help, Field field, std::string env = "") {
  ConfigOption opt;
  opt.env = env.empty() ? EnvName(key) : std::move(env);
  opt.key = std::move(key);
  opt.flag = std::move(flag);
  opt.help = std::move(help);
  std::string k = opt.key;
  using FieldType = std::decay_t<decltype(field(std::declval<Config&>()))>;
  if constexpr (std::is_same_v<FieldType, std::string>) {
    opt.kind = ConfigOption::Kind::kString;
  } else if constexpr (std::is_same_v<FieldType, std::vector<std::string>>) {
    opt.kind = ConfigOption::Kind::kList;
  } else {
    opt.kind = ConfigOption::Kind::kNumber;
  }
  opt.set = [field, k](Config& c, std::string_view v) -> Status {
    auto& target = field(c);
    using T = std::decay_t<decltype(target)>;
    if constexpr (std::is_same_v<T, std::string>) {
      target = std::string(v);
      return {};
    } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
      target = SplitList(v);
      return {};
    } else {
      return ParseNumber(v, target, k);
    }
  };
  opt.get = [field](const Config& c) -> std::string {
    auto& target = field(const_cast<Config&>(c));
    using T = std::decay_t<decltype(target)>;
    if constexpr (std::is_same_v<T, std::string>) {
      return target;
    } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
      return JoinList(target);
    } else {
      std::ostringstream s;
      s << target;
      return s.str();
    }
  };
  return opt;
}

#define IRIS_FIELD(path) \
  [](Config & c) -> auto& { return c.path; }

std::vector<ConfigOption> BuildOptions() {
  return {
      MakeOption("server.host", "--host", "address to listen on", IRIS_FIELD(server.host)),
      MakeOption("server.port", "--port", "TCP port to listen on", IRIS_FIELD(server.port)),
      MakeOption("server.worker_threads", "--worker-threads", "HTTP worker threads (0: 4 per core, at least 8)",
                 IRIS_FIELD(server.worker_threads)),
      MakeOption("server.max_queued_connections", "--max-queued-connections",
                 "received requests waiting for a worker before new ones get 503",
                 IRIS_FIELD(server.max_queued_connections)),
      MakeOption("server.max_connections", "--max-connections",
                 "open client connections (idle, receiving or served) before new ones get 503",
                 IRIS_FIELD(server.max_connections)),
      MakeOption("server.max_body_bytes", "--max-body-bytes", "largest request body accepted (413 above)",
                 IRIS_FIELD(server.max_body_bytes)),
      MakeOption("server.max_buffered_request_bytes", "--max-buffered-request-bytes",
                 "request bytes read ahead of the workers over all connections (larger bodies are read by a worker)",
                 IRIS_FIELD(server.max_buffered_request_bytes)),
      MakeOption("server.keep_alive_timeout_s", "--keep-alive-timeout", "idle keep-alive connection timeout, seconds",
                 IRIS_FIELD(server.keep_alive_timeout_s)),
      MakeOption("server.header_timeout_s", "--header-timeout",
                 "time allowed for a request's headers (and for a new connection's first request), seconds; 408 after",
                 IRIS_FIELD(server.header_timeout_s)),
      MakeOption("server.read_timeout_s", "--read-timeout",
                 "time allowed for a whole request, first byte to last body byte, seconds; 408 after",
                 IRIS_FIELD(server.read_timeout_s)),
      MakeOption("server.shutdown_deadline_s", "--shutdown-deadline",
                 "on SIGTERM/SIGINT, seconds to let in-flight requests finish", IRIS_FIELD(server.shutdown_deadline_s)),
      MakeOption("server.auth", "--auth", "API keys: auto (required unless the host is loopback), required, or off",
                 IRIS_FIELD(server.auth)),
      MakeOption("server.cors_origins", "--cors-origins",
                 "comma-separated browser origins allowed cross-origin requests (\"*\": any); empty: no CORS",
                 IRIS_FIELD(server.cors_origins)),
      MakeOption("storage.data_dir", "--data-dir", "directory for the database and blobs",
                 IRIS_FIELD(storage.data_dir)),
      MakeOption("storage.database_url", "--database-url",
                 "PostgreSQL URL for the job queue and result cache shared by several processes; empty: iris.db",
                 IRIS_FIELD(storage.database_url)),
      MakeOption("storage.database_pool_size", "--database-pool-size", "PostgreSQL connections per process",
                 IRIS_FIELD(storage.database_pool_size)),
      MakeOption("storage.database_statement_timeout_s", "--database-statement-timeout",
                 "one PostgreSQL statement, seconds", IRIS_FIELD(storage.database_statement_timeout_s)),
      MakeOption("storage.vector_engine", "--vector-engine",
                 "where vector collections live: local (<data_dir>/collections), qdrant or milvus",
                 IRIS_FIELD(storage.vector_engine)),
      MakeOption("storage.qdrant_url", "--qdrant-url", "Qdrant REST API, http(s)://host:6333",
                 IRIS_FIELD(storage.qdrant_url)),
      MakeOption("storage.qdrant_api_key", "--qdrant-api-key", "Qdrant API key (never logged)",
                 IRIS_FIELD(storage.qdrant_api_key)),
      MakeOption("storage.qdrant_collection_prefix", "--qdrant-collection-prefix",
                 "prefix of the Qdrant collections Iris makes", IRIS_FIELD(storage.qdrant_collection_prefix)),
      MakeOption("storage.qdrant_timeout_s", "--qdrant-timeout", "one Qdrant request, seconds",
                 IRIS_FIELD(storage.qdrant_timeout_s)),
      MakeOption("storage.milvus_url", "--milvus-url", "Milvus REST API (v2), http(s)://host:19530",
                 IRIS_FIELD(storage.milvus_url)),
      MakeOption("storage.milvus_token", "--milvus-token", "Milvus token, user:password or an API key (never logged)",
                 IRIS_FIELD(storage.milvus_token)),
      MakeOption("storage.milvus_collection_prefix", "--milvus-collection-prefix",
                 "prefix of the Milvus collections Iris makes", IRIS_FIELD(storage.milvus_collection_prefix)),
      MakeOption("storage.milvus_timeout_s", "--milvus-timeout", "one Milvus request, seconds",
                 IRIS_FIELD(storage.milvus_timeout_s)),
      MakeOption("storage.backend", "--storage-backend", "where catalog images are stored: filesystem or s3",
                 IRIS_FIELD(storage.backend)),
      MakeOption("storage.s3_endpoint", "--s3-endpoint",
                 "S3-compatible endpoint scheme://host[:port] (empty: AWS in storage.s3_region)",
                 IRIS_FIELD(storage.s3_endpoint)),
      MakeOption("storage.s3_region", "--s3-region", "S3 region (signs requests)", IRIS_FIELD(storage.s3_region)),
      MakeOption("storage.s3_access_key_id", "--s3-access-key-id", "S3 access key id",
                 IRIS_FIELD(storage.s3_access_key_id)),
      MakeOption("storage.s3_secret_access_key", "--s3-secret-access-key", "S3 secret access key (never logged)",
                 IRIS_FIELD(storage.s3_secret_access_key)),
      MakeOption("storage.s3_path_style", "--s3-path-style",
                 "1: path-style addressing (endpoint/bucket/key); 0: virtual-host (bucket.endpoint/key)",
                 IRIS_FIELD(storage.s3_path_style)),
      MakeOption("storage.s3_public_urls", "--s3-public-urls",
                 "1: reply with plain object URLs (public buckets); 0: presigned GET URLs",
                 IRIS_FIELD(storage.s3_public_urls)),
      MakeOption("storage.s3_presign_expires_s", "--s3-presign-expires", "lifetime of presigned GET URLs, seconds",
                 IRIS_FIELD(storage.s3_presign_expires_s)),
      MakeOption("storage.s3_timeout_s", "--s3-timeout", "one S3 request, seconds", IRIS_FIELD(storage.s3_timeout_s)),
      MakeOption("storage.s3_multipart_threshold_mb", "--s3-multipart-threshold-mb",
                 "objects larger than this (MiB) are uploaded in parts", IRIS_FIELD(storage.s3_multipart_threshold_mb)),
      MakeOption("storage.s3_multipart_part_mb", "--s3-multipart-part-mb",
                 "size of one part of a multipart upload, MiB", IRIS_FIELD(storage.s3_multipart_part_mb)),
      MakeOption("storage.s3_images_bucket", "--s3-images-bucket",
                 "S3 bucket for the originals of POST /v1/images (empty: <data_dir>/blobs)",
                 IRIS_FIELD(storage.s3_images_bucket)),
      MakeOption("ingest.max_image_bytes", "--max-image-bytes", "largest encoded image accepted (413 above)",
                 IRIS_FIELD(ingest.max_image_bytes)),
      MakeOption("ingest.max_image_pixels", "--max-image-pixels",
                 "largest width*height accepted, checked before decoding (413 above)",
                 IRIS_FIELD(ingest.max_image_pixels)),
      MakeOption("ingest.max_aspect_ratio", "--max-aspect-ratio",
                 "largest longer-side/shorter-side ratio, read from the header before decoding (422 above)",
                 IRIS_FIELD(ingest.max_aspect_ratio)),
      MakeOption("ingest.fetch_timeout_s", "--fetch-timeout", "total time for fetching an image URL, seconds",
                 IRIS_FIELD(ingest.fetch_timeout_s)),
      MakeOption("ingest.fetch_connect_timeout_s", "--fetch-connect-timeout", "connect timeout for image URLs, seconds",
                 IRIS_FIELD(ingest.fetch_connect_timeout_s)),
      MakeOption("ingest.fetch_max_redirects", "--fetch-max-redirects", "redirects followed when fetching an image URL",
                 IRIS_FIELD(ingest.fetch_max_redirects)),
      MakeOption("ingest.fetch_allow_hosts", "--fetch-allow-hosts",
                 "comma-separated hosts (or IP addresses) that may resolve to private/loopback addresses",
                 IRIS_FIELD(ingest.fetch_allow_hosts)),
      MakeOption("runtime.device", "--device", "cpu, cuda or auto", IRIS_FIELD(runtime.device), "IRIS_DEVICE"),
      MakeOption("runtime.require_gpu", "--require-gpu", "1: fail at start-up unless a GPU provider loads",
                 IRIS_FIELD(runtime.require_gpu), "IRIS_REQUIRE_GPU"),
      MakeOption("runtime.intra_op_threads", "--intra-op-threads", "ONNX Runtime intra-op threads (0: one per core)",
                 IRIS_FIELD(runtime.intra_op_threads)),
      MakeOption("runtime.inter_op_threads", "--inter-op-threads", "ONNX Runtime inter-op threads",
                 IRIS_FIELD(runtime.inter_op_threads)),
      MakeOption("runtime.cpu_mem_arena", "--cpu-mem-arena", "1: use ONNX Runtime's CPU memory arena",
                 IRIS_FIELD(runtime.cpu_mem_arena)),
      MakeOption("runtime.allow_spinning", "--allow-spinning",
                 "1: ONNX Runtime threads busy-wait between runs (0 frees the cores for decoding)",
                 IRIS_FIELD(runtime.allow_spinning)),
      MakeOption("runtime.max_batch_size", "--max-batch-size", "dynamic batcher: most inputs per model run",
                 IRIS_FIELD(runtime.max_batch_size)),
      MakeOption("runtime.max_queue_delay_us", "--max-queue-delay-us",
                 "dynamic batcher: microseconds to wait for a fuller batch", IRIS_FIELD(runtime.max_queue_delay_us)),
      MakeOption("runtime.max_announced_wait_us", "--max-announced-wait-us",
                 "dynamic batcher: microseconds a batch waits for inputs that requests in flight announced",
                 IRIS_FIELD(runtime.max_announced_wait_us)),
      MakeOption("runtime.max_queue_size", "--max-queue-size", "dynamic batcher: queued inputs per model before 503",
                 IRIS_FIELD(runtime.max_queue_size)),
      MakeOption("models.dir", "--models-dir", "where installed models live (unset: <data_dir>/models)",
                 IRIS_FIELD(models.dir)),
      MakeOption("models.mirror", "--model-mirror", "folder or URL tried before the catalog's download URLs",
                 IRIS_FIELD(models.mirror), "IRIS_MODEL_MIRROR"),
      MakeOption("models.preload", "--preload-models", "comma-separated models loaded at start-up",
                 IRIS_FIELD(models.preload)),
      MakeOption("models.local", "--local-models",
                 "comma-separated name=DIR folders in the Hugging Face/Xenova CLIP layout, served as models",
                 IRIS_FIELD(models.local)),
      MakeOption("models.default_clip", "--default-clip-model", "CLIP model used when a request names none",
                 IRIS_FIELD(models.default_clip)),
      MakeOption("captions.url", "--captions-url",
                 "base URL of an OpenAI-compatible chat-completions API for describe_image (empty: off)",
                 IRIS_FIELD(captions.url)),
      MakeOption("captions.model", "--captions-model", "model name sent to the captioning API",
                 IRIS_FIELD(captions.model)),
      MakeOption("captions.api_key", "--captions-api-key", "API key for the captioning API (never logged)",
                 IRIS_FIELD(captions.api_key)),
      MakeOption("captions.prompt", "--captions-prompt", "instruction sent with each image",
                 IRIS_FIELD(captions.prompt)),
      MakeOption("captions.timeout_s", "--captions-timeout", "seconds allowed for one captioning call",
                 IRIS_FIELD(captions.timeout_s)),
      MakeOption("captions.max_retries", "--captions-max-retries", "retries after 429, 5xx or network errors",
                 IRIS_FIELD(captions.max_retries)),
      MakeOption("captions.backoff_initial_ms", "--captions-backoff-initial-ms",
                 "first retry delay in ms (doubles, with jitter)", IRIS_FIELD(captions.backoff_initial_ms)),
      MakeOption("captions.backoff_max_ms", "--captions-backoff-max-ms",
                 "longest delay between attempts in ms (Retry-After honoured up to this)",
                 IRIS_FIELD(captions.backoff_max_ms)),
      MakeOption("captions.max_concurrency", "--captions-max-concurrency", "captioning calls in flight at once",
                 IRIS_FIELD(captions.max_concurrency)),
      MakeOption("generation.url", "--generation-url",
                 "base URL of an OpenAI-compatible image-edit API (/images/edits); empty: only the white-background "
                 "type",
                 IRIS_FIELD(generation.url)),
      MakeOption("generation.model", "--generation-model", "model name sent to the image-edit API",
                 IRIS_FIELD(generation.model)),
      MakeOption("generation.api_key", "--generation-api-key", "API key for the image-edit API (never logged)",
                 IRIS_FIELD(generation.api_key)),
      MakeOption("generation.size", "--generation-size", "size sent to the image-edit API (WxH or auto)",
                 IRIS_FIELD(generation.size)),
      MakeOption("generation.quality", "--generation-quality", "quality sent to the image-edit API (empty: not sent)",
                 IRIS_FIELD(generation.quality)),
      MakeOption("generation.timeout_s", "--generation-timeout", "seconds allowed for one image-edit call",
                 IRIS_FIELD(generation.timeout_s)),
      MakeOption("generation.max_retries", "--generation-max-retries", "retries after 429, 5xx or network errors",
                 IRIS_FIELD(generation.max_retries)),
      MakeOption("generation.backoff_initial_ms", "--generation-backoff-initial-ms",
                 "first retry delay in ms (doubles, with jitter)", IRIS_FIELD(generation.backoff_initial_ms)),
      MakeOption("generation.backoff_max_ms", "--generation-backoff-max-ms",
                 "longest delay between attempts in ms (Retry-After honoured up to this)",
                 IRIS_FIELD(generation.backoff_max_ms)),
      MakeOption("generation.max_concurrency", "--generation-max-concurrency", "image-edit calls in flight at once",
                 IRIS_FIELD(generation.max_concurrency)),
      MakeOption("generation.foreground_model", "--generation-foreground-model",
                 "ISNet model that cuts the product out for the white-background type",
                 IRIS_FIELD(generation.foreground_model)),
      MakeOption("generation.white_size", "--generation-white-size", "side of a white-background shot in pixels",
                 IRIS_FIELD(generation.white_size)),
      MakeOption("generation.white_fill", "--generation-white-fill",
                 "fraction of the canvas the product's longer side fills in a white-background shot",
                 IRIS_FIELD(generation.white_fill)),
      MakeOption("analysis.person_detector", "--person-detector", "detector model for persons and objects",
                 IRIS_FIELD(analysis.person_detector)),
      MakeOption("analysis.face_detector", "--face-detector", "face detector: yunet, ultraface-rfb-320 or -640",
                 IRIS_FIELD(analysis.face_detector)),
      MakeOption("analysis.face_embedder", "--face-embedder", "face embedding model for embed_face",
                 IRIS_FIELD(analysis.face_embedder)),
      MakeOption("analysis.dino_v2_model", "--dino-v2-model", "model behind embed_dino_v2",
                 IRIS_FIELD(analysis.dino_v2_model)),
      MakeOption("analysis.dino_v3_model", "--dino-v3-model", "model behind embed_dino_v3",
                 IRIS_FIELD(analysis.dino_v3_model)),
      MakeOption("analysis.resnet_model", "--resnet-model", "model behind embed_resnet50",
                 IRIS_FIELD(analysis.resnet_model)),
      MakeOption("analysis.foreground_model", "--foreground-model",
                 "ISNet model whose foreground mask adds sections to POST /process-image (empty: none)",
                 IRIS_FIELD(analysis.foreground_model)),
      MakeOption("analysis.region_clip_model", "--region-clip-model",
                 "CLIP model that scores POST /process-image section crops against the prompt (empty: none)",
                 IRIS_FIELD(analysis.region_clip_model)),
      MakeOption("analysis.region_vlm", "--region-vlm",
                 "1: POST /process-image analyses its kept sections through the captions provider's VLM",
                 IRIS_FIELD(analysis.region_vlm)),
      MakeOption("analysis.min_person_score", "--min-person-score", "score floor for prominent_person",
                 IRIS_FIELD(analysis.min_person_score)),
      MakeOption("analysis.min_face_score", "--min-face-score", "score floor for prominent_face and detect_faces",
                 IRIS_FIELD(analysis.min_face_score)),
      MakeOption("analysis.classifiers_dir", "--classifiers-dir",
                 "where trained collection classifiers live (unset: <data_dir>/classifiers); not used when "
                 "storage.database_url names PostgreSQL (they are in the database)",
                 IRIS_FIELD(analysis.classifiers_dir)),
      MakeOption("analysis.cache_results", "--cache-results", "1: cache analysis results by image content hash",
                 IRIS_FIELD(analysis.cache_results)),
      MakeOption("analysis.cache_max_bytes", "--cache-max-bytes",
                 "result cache size in iris.db; least recently used entries are evicted above it",
                 IRIS_FIELD(analysis.cache_max_bytes)),
      MakeOption("analysis.cache_max_entry_bytes", "--cache-max-entry-bytes",
                 "largest single result stored in the result cache (larger ones are not cached)",
                 IRIS_FIELD(analysis.cache_max_entry_bytes)),
      MakeOption("analysis.max_crop_side", "--max-crop-side",
                 "longest side, pixels, of a crop returned as cropped_image_base64 (larger crops are scaled down)",
                 IRIS_FIELD(analysis.max_crop_side)),
      MakeOption("analysis.max_response_bytes", "--max-analysis-response-bytes",
                 "largest analysis reply; results that would go past it are replaced by errors",
                 IRIS_FIELD(analysis.max_response_bytes)),
      MakeOption("collections.max_collections", "--max-collections",
                 "vector collections that may exist at once (creating one more: 429)",
                 IRIS_FIELD(collections.max_collections)),
      MakeOption("jobs.workers", "--job-workers", "background job items processed at once", IRIS_FIELD(jobs.workers)),
      MakeOption("jobs.max_pending_items", "--job-max-pending-items",
                 "unfinished items allowed over all queued and running jobs (a job beyond it: 429)",
                 IRIS_FIELD(jobs.max_pending_items)),
      MakeOption("jobs.max_attempts", "--job-max-attempts", "attempts per job item (transient errors are retried)",
                 IRIS_FIELD(jobs.max_attempts)),
      MakeOption("jobs.backoff_initial_ms", "--job-backoff-initial-ms", "first retry delay of a job item in ms",
                 IRIS_FIELD(jobs.backoff_initial_ms)),
      MakeOption("jobs.backoff_max_ms", "--job-backoff-max-ms", "longest retry delay of a job item in ms",
                 IRIS_FIELD(jobs.backoff_max_ms)),
      MakeOption("jobs.lease_s", "--job-lease", "seconds of silence after which a job process is presumed dead",
                 IRIS_FIELD(jobs.lease_s)),
      MakeOption("jobs.retention_days", "--job-retention-days", "days ended jobs are kept (0: forever)",
                 IRIS_FIELD(jobs.retention_days)),
      MakeOption("products.collection", "--products-collection", "collection behind the /embeddings product routes",
                 IRIS_FIELD(products.collection)),
      MakeOption("products.model", "--products-model", "embedding model of the product collection",
                 IRIS_FIELD(products.model)),
      MakeOption("products.image_url_template", "--products-image-url", "product image URL with {id}",
                 IRIS_FIELD(products.image_url_template)),
      MakeOption("products.list_url", "--products-list-url", "product list URL with {page} and {page_size}",
                 IRIS_FIELD(products.list_url)),
      MakeOption("products.page_size", "--products-page-size", "products per list page in generate-all",
                 IRIS_FIELD(products.page_size)),
      MakeOption("catalog.websites", "--catalog-websites",
                 "catalog websites as name=bucket[/prefix] (the seed's website form field)",
                 IRIS_FIELD(catalog.websites)),
      MakeOption("catalog.default_website", "--catalog-default-website", "website of a request that names none",
                 IRIS_FIELD(catalog.default_website)),
      MakeOption("catalog.model", "--catalog-model",
                 "embedding model of a website's catalog collection (empty: models.default_clip)",
                 IRIS_FIELD(catalog.model)),
      MakeOption("log.level", "--log-level", "trace, debug, info, warn or error", IRIS_FIELD(log.level)),
      MakeOption("log.format", "--log-format", "json (one object per line) or text", IRIS_FIELD(log.format)),
  };
}

#undef IRIS_FIELD

std::string TomlValueToText(const toml::node& node) {
  if (auto s = node.value<std::string>()) return *s;
  if (node.is_integer()) return std::to_string(*node.value<std::int64_t>());
  if (node.is_floating_point()) {
    std::ostringstream o;
    o << *node.value<double>();
    return o.str();
  }
  if (auto b = node.value<bool>()) return *b ? "1" : "0";
  if (const auto* arr = node.as_array()) {
    std::vector<std::string> items;
    for (const auto& item : *arr) items.push_back(TomlValueToText(item));
    return JoinList(items);
  }
  return {};
}

Status ApplyToml(const std::string& path, Config& config) {
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return InvalidArgument("config file " + path + ": " + std::string(e.description()));
  }
  std::map<std::string, const ConfigOption*> by_key;
  for (const auto& opt : ConfigOptions()) by_key[opt.key] = &opt;
  Status status;
  for (const auto& [section_name, section] : table) {
    const auto* sub = section.as_table();
    if (!sub)
      return InvalidArgument("config file " + path + ": '" + std::string(section_name.str()) + "' must be a [section]");
    for (const auto& [name, value] : *sub) {
      std::string key = std::string(section_name.str()) + "." + std::string(name.str());
      auto it = by_key.find(key);
      // Sections owned by later modules may be added to ConfigOptions(); unknown keys are typos.
      if (it == by_key.end()) return InvalidArgument("config file " + path + ": unknown setting '" + key + "'");
      IRIS_RETURN_IF_ERROR(it->second->set(config, TomlValueToText(value)));
    }
  }
  return {};
}

}  // namespace

const std::vector<ConfigOption>& ConfigOptions() {
  static const std::vector<ConfigOption> options = BuildOptions();
  return options;
}

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

Result<Config> LoadConfig(const std::string& toml_path, const EnvLookup& env,
                          const std::map<std::string, std::string>& flags) {
  Config config;
  // Left empty until a source sets them: then they follow storage.data_dir (below).
  config.models.dir.clear();
  config.analysis.classifiers_dir.clear();
  std::string path = toml_path;
  if (path.empty()) path = env("IRIS_CONFIG").value_or("");
  if (!path.empty()) IRIS_RETURN_IF_ERROR(ApplyToml(path, config));
  for (const auto& opt : ConfigOptions()) {
    if (auto v = env(opt.env)) IRIS_RETURN_IF_ERROR(opt.set(config, *v).WithContext(opt.env));
  }
  for (const auto& opt : ConfigOptions()) {
    auto it = flags.find(opt.flag);
    if (it != flags.end()) IRIS_RETURN_IF_ERROR(opt.set(config, it->second).WithContext(opt.flag));
  }
  // Models and classifiers live under the data directory unless a source says otherwise, so
  // `--data-dir DIR` moves everything Iris writes.
  const std::filesystem::path data_dir(config.storage.data_dir);
  if (config.models.dir.empty()) config.models.dir = (data_dir / "models").string();
  if (config.analysis.classifiers_dir.empty()) {
    config.analysis.classifiers_dir = (data_dir / "classifiers").string();
  }
  IRIS_RETURN_IF_ERROR(ValidateConfig(config));
  return config;
}

Status ValidateConfig(const Config& c) {
  if (c.server.port < 0 || c.server.port > 65535) return InvalidArgument("server.port must be 0..65535");
  if (c.server.worker_threads < 0) return InvalidArgument("server.worker_threads must be >= 0");
  if (c.server.max_queued_connections < 1) return InvalidArgument("server.max_queued_connections must be >= 1");
  if (c.server.max_body_bytes < 1024) return InvalidArgument("server.max_body_bytes must be >= 1024");
  if (c.server.max_connections < 1) return InvalidArgument("server.max_connections must be >= 1");
  if (c.server.max_buffered_request_bytes < 0) return InvalidArgument("server.max_buffered_request_bytes must be >= 0");
  if (!(c.server.header_timeout_s > 0)) return InvalidArgument("server.header_timeout_s must be > 0");
  if (c.server.read_timeout_s < 1) return InvalidArgument("server.read_timeout_s must be >= 1");
  if (c.server.keep_alive_timeout_s < 0) return InvalidArgument("server.keep_alive_timeout_s must be >= 0");
  if (c.server.shutdown_deadline_s < 0) return InvalidArgument("server.shutdown_deadline_s must be >= 0");
  if (c.server.auth != "auto" && c.server.auth != "required" && c.server.auth != "off")
    return InvalidArgument("server.auth must be auto, required or off");
  if (c.storage.data_dir.empty()) return InvalidArgument("storage.data_dir must not be empty");
  if (!c.storage.database_url.empty() && c.storage.database_url.rfind("postgres://", 0) != 0 &&
      c.storage.database_url.rfind("postgresql://", 0) != 0)
    return InvalidArgument("storage.database_url must be empty or a postgresql:// URL");
  if (c.storage.database_pool_size < 1 || c.storage.database_pool_size > 100)
    return InvalidArgument("storage.database_pool_size must be within 1..100");
  if (!(c.storage.database_statement_timeout_s >= 0.1))
    return InvalidArgument("storage.database_statement_timeout_s must be >= 0.1");
  if (c.storage.vector_engine != "local" && c.storage.vector_engine != "qdrant" && c.storage.vector_engine != "milvus")
    return InvalidArgument("storage.vector_engine must be local, qdrant or milvus");
  if (c.storage.vector_engine == "qdrant" && c.storage.qdrant_url.empty())
    return InvalidArgument("storage.vector_engine qdrant needs storage.qdrant_url (http://host:6333)");
  if (!(c.storage.qdrant_timeout_s > 0)) return InvalidArgument("storage.qdrant_timeout_s must be > 0");
  if (c.storage.vector_engine == "milvus" && c.storage.milvus_url.empty())
    return InvalidArgument("storage.vector_engine milvus needs storage.milvus_url (http://host:19530)");
  if (!(c.storage.milvus_timeout_s > 0)) return InvalidArgument("storage.milvus_timeout_s must be > 0");
  if (c.storage.backend != "filesystem" && c.storage.backend != "s3")
    return InvalidArgument("storage.backend must be filesystem or s3");
  if (c.storage.s3_presign_expires_s < 1 || c.storage.s3_presign_expires_s > 604800)
    return InvalidArgument("storage.s3_presign_expires_s must be within 1..604800");
  if (c.storage.s3_multipart_threshold_mb < 5 || c.storage.s3_multipart_threshold_mb > 5 * 1024)
    return InvalidArgument("storage.s3_multipart_threshold_mb must be within 5..5120");
  if (c.storage.s3_multipart_part_mb < 5 || c.storage.s3_multipart_part_mb > 5 * 1024)
    return InvalidArgument("storage.s3_multipart_part_mb must be within 5..5120 (S3's minimum part is 5 MiB)");
  if (!(c.storage.s3_timeout_s > 0)) return InvalidArgument("storage.s3_timeout_s must be > 0");
  if (!c.storage.s3_images_bucket.empty() &&
      (c.storage.s3_access_key_id.empty() || c.storage.s3_secret_access_key.empty()))
    return InvalidArgument("storage.s3_images_bucket needs storage.s3_access_key_id and storage.s3_secret_access_key");
  if (c.storage.backend == "s3" && (c.storage.s3_access_key_id.empty() || c.storage.s3_secret_access_key.empty()))
    return InvalidArgument("storage.backend s3 needs storage.s3_access_key_id and storage.s3_secret_access_key");
  if (c.catalog.websites.empty()) return InvalidArgument("catalog.websites must name at least one website");
  if (c.captions.timeout_s <= 0) return InvalidArgument("captions.timeout_s must be > 0");
  if (c.captions.max_retries < 0) return InvalidArgument("captions.max_retries must be >= 0");
  if (c.captions.backoff_initial_ms < 0 || c.captions.backoff_max_ms < c.captions.backoff_initial_ms)
    return InvalidArgument("captions.backoff_initial_ms must be >= 0 and <= captions.backoff_max_ms");
  if (c.captions.max_concurrency < 1) return InvalidArgument("captions.max_concurrency must be >= 1");
  if (c.generation.timeout_s <= 0) return InvalidArgument("generation.timeout_s must be > 0");
  if (c.generation.max_retries < 0) return InvalidArgument("generation.max_retries must be >= 0");
  if (c.generation.backoff_initial_ms < 0 || c.generation.backoff_max_ms < c.generation.backoff_initial_ms)
    return InvalidArgument("generation.backoff_initial_ms must be >= 0 and <= generation.backoff_max_ms");
  if (c.generation.max_concurrency < 1) return InvalidArgument("generation.max_concurrency must be >= 1");
  if (c.generation.white_size < 64 || c.generation.white_size > 8000)
    return InvalidArgument("generation.white_size must be within 64..8000");
  if (!(c.generation.white_fill > 0.1 && c.generation.white_fill <= 1))
    return InvalidArgument("generation.white_fill must be within 0.1..1");
  if (c.analysis.min_person_score < 0 || c.analysis.min_person_score > 1 || c.analysis.min_face_score < 0 ||
      c.analysis.min_face_score > 1)
    return InvalidArgument("analysis.min_person_score and analysis.min_face_score must be within 0..1");
  if (c.collections.max_collections < 1) return InvalidArgument("collections.max_collections must be >= 1");
  if (c.jobs.workers < 1) return InvalidArgument("jobs.workers must be >= 1");
  if (c.jobs.max_pending_items < 1) return InvalidArgument("jobs.max_pending_items must be >= 1");
  if (c.jobs.max_attempts < 1) return InvalidArgument("jobs.max_attempts must be >= 1");
  if (c.jobs.backoff_initial_ms < 0 || c.jobs.backoff_max_ms < c.jobs.backoff_initial_ms)
    return InvalidArgument("jobs.backoff_initial_ms must be >= 0 and <= jobs.backoff_max_ms");
  if (c.jobs.lease_s <= 0) return InvalidArgument("jobs.lease_s must be > 0");
  if (c.jobs.retention_days < 0) return InvalidArgument("jobs.retention_days must be >= 0");
  if (c.products.page_size < 1 || c.products.page_size > 1000)
    return InvalidArgument("products.page_size must be within 1..1000");
  if (c.ingest.max_image_bytes < 1) return InvalidArgument("ingest.max_image_bytes must be > 0");
  if (c.ingest.max_image_pixels < 1) return InvalidArgument("ingest.max_image_pixels must be > 0");
  if (!(c.ingest.max_aspect_ratio >= 1)) return InvalidArgument("ingest.max_aspect_ratio must be >= 1");
  if (c.analysis.cache_max_bytes < 0) return InvalidArgument("analysis.cache_max_bytes must be >= 0");
  if (c.analysis.cache_max_entry_bytes < 0 || c.analysis.cache_max_entry_bytes > c.analysis.cache_max_bytes)
    return InvalidArgument("analysis.cache_max_entry_bytes must be within 0..analysis.cache_max_bytes");
  if (c.analysis.max_crop_side < 16) return InvalidArgument("analysis.max_crop_side must be >= 16");
  if (c.analysis.max_response_bytes < 1024) return InvalidArgument("analysis.max_response_bytes must be >= 1024");
  if (c.ingest.fetch_timeout_s <= 0) return InvalidArgument("ingest.fetch_timeout_s must be > 0");
  if (c.ingest.fetch_max_redirects < 0) return InvalidArgument("ingest.fetch_max_redirects must be >= 0");
  if (c.runtime.device != "cpu" && c.runtime.device != "cuda" && c.runtime.device != "auto")
    return InvalidArgument("runtime.device must be cpu, cuda or auto");
  if (c.runtime.intra_op_threads < 0 || c.runtime.inter_op_threads < 0)
    return InvalidArgument("runtime thread counts must be >= 0");
  if (c.runtime.max_batch_size < 1) return InvalidArgument("runtime.max_batch_size must be >= 1");
  if (c.runtime.max_queue_delay_us < 0) return InvalidArgument("runtime.max_queue_delay_us must be >= 0");
  if (c.runtime.max_announced_wait_us < 0) return InvalidArgument("runtime.max_announced_wait_us must be >= 0");
  if (c.runtime.max_queue_size < 1) return InvalidArgument("runtime.max_queue_size must be >= 1");
  static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error"};
  if (!kLevels.count(c.log.level)) return InvalidArgument("log.level must be one of trace, debug, info, warn, error");
  if (c.log.format != "json" && c.log.format != "text") return InvalidArgument("log.format must be json or text");
  return {};
}

std::string ConfigToToml(const Config& config) {
  auto quote = [](const std::string& v) {
    std::ostringstream o;
    o << toml::value<std::string>(v);
    return o.str();
  };
  std::string out, section;
  for (const auto& opt : ConfigOptions()) {
    auto dot = opt.key.find('.');
    std::string sec = opt.key.substr(0, dot);
    if (sec != section) {
      if (!section.empty()) out += "\n";
      out += "[" + sec + "]\n";
      section = sec;
    }
    std::string v = opt.get(config);
    if ((opt.key.ends_with("api_key") || opt.key.ends_with("secret_access_key") || opt.key.ends_with("_token")) &&
        !v.empty()) {
      v = "***";  // secrets are never printed
    }
    if (opt.key == "storage.database_url") v = RedactedUrl(v);  // its password, if any
    out += opt.key.substr(dot + 1) + " = ";
    switch (opt.kind) {
      case ConfigOption::Kind::kNumber:
        out += v;
        break;
      case ConfigOption::Kind::kString:
        out += quote(v);
        break;
      case ConfigOption::Kind::kList: {
        out += "[";
        bool first = true;
        for (const auto& item : SplitList(v)) {
          if (!first) out += ", ";
          out += quote(item);
          first = false;
        }
        out += "]";
        break;
      }
    }
    out += "\n";
  }
  return out;
}

}  // namespace iris
