#include "app/services.h"

#include "app/job_kinds.h"
#include "app/s3_settings.h"
#include "classify/folder_classifier_store.h"
#include "classify/postgres_classifier_store.h"
#include "core/logging.h"
#include "dedup/postgres_signature_store.h"
#include "dedup/sqlite_signature_store.h"
#include "jobs/postgres_job_store.h"
#include "store/filesystem_blob_store.h"
#include "store/postgres_cache_table.h"
#include "store/s3_blob_store.h"
#include "vector_engines/milvus_collection_store.h"
#include "vector_engines/qdrant_collection_store.h"

namespace iris::app {
namespace {

JobRunnerOptions JobOptions(const JobsConfig& config) {
  JobRunnerOptions options;
  options.workers = config.workers;
  options.max_attempts = config.max_attempts;
  options.max_pending_items = config.max_pending_items;
  options.backoff_initial = std::chrono::milliseconds(config.backoff_initial_ms);
  options.backoff_max = std::chrono::milliseconds(config.backoff_max_ms);
  options.lease = std::chrono::milliseconds(static_cast<std::int64_t>(config.lease_s * 1000));
  options.heartbeat_interval =
      std::min(options.heartbeat_interval, std::chrono::milliseconds(options.lease.count() / 3 + 1));
  options.retention = std::chrono::seconds(static_cast<std::int64_t>(config.retention_days * 86400));
  return options;
}

// Where POST /v1/images keeps originals: <data_dir>/blobs, or the S3 bucket storage.s3_images_bucket.
Result<std::unique_ptr<BlobStore>> OpenImageBlobs(const StorageConfig& storage) {
  if (!storage.s3_images_bucket.empty()) {
    auto store = S3BlobStore::Create(S3OptionsFor(storage, storage.s3_images_bucket, ""));
    if (!store.ok()) return store.status().WithContext("storage.s3_images_bucket");
    return std::unique_ptr<BlobStore>(std::move(store).value());
  }
  const std::filesystem::path root = std::filesystem::path(storage.data_dir) / "blobs";
  auto blobs = FilesystemBlobStore::Open(root);
  if (!blobs.ok()) return blobs.status().WithContext("opening " + root.string());
  return std::unique_ptr<BlobStore>(std::move(blobs).value());
}

// The collections of storage.vector_engine: <data_dir>/collections, a Qdrant server or a Milvus server.
Result<std::unique_ptr<CollectionStore>> OpenCollectionStore(const Config& config) {
  const StorageConfig& storage = config.storage;
  if (storage.vector_engine == "qdrant") {
    QdrantStoreOptions options;
    options.client.url = storage.qdrant_url;
    options.client.api_key = storage.qdrant_api_key;
    options.client.timeout_s = storage.qdrant_timeout_s;
    options.collection_prefix = storage.qdrant_collection_prefix;
    auto store = QdrantCollectionStore::Open(std::move(options));
    if (!store.ok()) return store.status().WithContext("storage.qdrant_url " + storage.qdrant_url);
    LogInfo("collections.qdrant_opened", {{"url", storage.qdrant_url}, {"prefix", storage.qdrant_collection_prefix}});
    return std::unique_ptr<CollectionStore>(std::move(store).value());
  }
  if (storage.vector_engine == "milvus") {
    MilvusStoreOptions options;
    options.client.url = storage.milvus_url;
    options.client.token = storage.milvus_token;
    options.client.timeout_s = storage.milvus_timeout_s;
    options.collection_prefix = storage.milvus_collection_prefix;
    auto store = MilvusCollectionStore::Open(std::move(options));
    if (!store.ok()) return store.status().WithContext("storage.milvus_url " + storage.milvus_url);
    LogInfo("collections.milvus_opened", {{"url", storage.milvus_url}, {"prefix", storage.milvus_collection_prefix}});
    return std::unique_ptr<CollectionStore>(std::move(store).value());
  }
  const std::filesystem::path root = std::filesystem::path(storage.data_dir) / "collections";
  CollectionManagerOptions options;
  options.max_collections = static_cast<std::size_t>(config.collections.max_collections);
  auto collections = CollectionManager::Open(root, options);
  if (!collections.ok()) return collections.status().WithContext("opening " + root.string());
  return std::unique_ptr<CollectionStore>(std::move(collections).value());
}

// Duplicate signatures go where the collections are shared: the PostgreSQL database when the vectors are
// in an external engine and storage.database_url is set, else iris.db.
std::unique_ptr<SignatureStore> OpenSignatureStore(const Config& config, Services& services) {
  if (config.storage.vector_engine != "local" && services.shared_database) {
    return std::make_unique<PostgresSignatureStore>(*services.shared_database);
  }
  return std::make_unique<SqliteSignatureStore>(*services.database);
}

}  // namespace

void Services::Close() {
  // Models stay loaded until the last user lets go of the services (their batchers stop in
  // ModelRegistry's destructor); only storage must be closed at a known point.
  if (jobs) jobs->Shutdown();                     // before storage: running items are given back to the queue
  if (collections) collections->CheckpointAll();  // errors are logged; the logs still hold every write
  if (database) database->Close();
  if (shared_database) shared_database->Close();
}

Result<std::unique_ptr<PostgresDatabase>> OpenSharedDatabase(const StorageConfig& storage) {
  if (storage.database_url.empty()) return std::unique_ptr<PostgresDatabase>();
  PostgresOptions options;
  options.pool_size = storage.database_pool_size;
  options.statement_timeout =
      std::chrono::milliseconds(static_cast<std::int64_t>(storage.database_statement_timeout_s * 1000));
  auto shared = PostgresDatabase::Open(storage.database_url, options);
  if (!shared.ok()) return shared.status().WithContext("storage.database_url");
  LogInfo("store.postgres_opened",
          {{"url", (*shared)->redacted_url()}, {"schema_version", (*shared)->schema_version()}});
  return shared;
}

std::shared_ptr<ClassifierStore> OpenClassifierStore(const Config& config, PostgresDatabase* shared_database) {
  if (shared_database == nullptr) return std::make_shared<FolderClassifierStore>(config.analysis.classifiers_dir);
  auto store = std::make_shared<PostgresClassifierStore>(*shared_database);
  const FolderClassifierStore folder(config.analysis.classifiers_dir);
  auto local = folder.ReadBestModels();
  auto shared = store->ReadBestModels();
  if (local.ok() && !local->empty() && shared.ok() && shared->empty()) {
    LogWarn("classifiers.folder_not_migrated",
            {{"folder", folder.location()},
             {"hint", "classifiers now come from the database; copy the folder's with iris migrate"}});
  }
  return store;
}

Result<std::shared_ptr<Services>> OpenServices(const Config& config) {
  auto services = std::make_shared<Services>();
  const std::filesystem::path data_dir = config.storage.data_dir;

  auto database = Database::Open(data_dir / "iris.db");
  if (!database.ok()) return database.status().WithContext("opening " + (data_dir / "iris.db").string());
  services->database = std::move(database).value();
  IRIS_ASSIGN_OR_RETURN(services->shared_database, OpenSharedDatabase(config.storage));
  services->keys =
      services->shared_database
          ? std::make_unique<KeyService>(std::make_unique<auth::PostgresApiKeyStore>(*services->shared_database))
          : std::make_unique<KeyService>(*services->database);

  IRIS_ASSIGN_OR_RETURN(services->blobs, OpenImageBlobs(config.storage));
  services->images = std::make_unique<ImageLibrary>(
      *services->blobs,
      services->shared_database
          ? std::unique_ptr<ImageRecords>(std::make_unique<PostgresImageRecords>(*services->shared_database))
          : std::make_unique<SqliteImageRecords>(*services->database));

  ResultCacheOptions cache_options;
  cache_options.max_bytes = config.analysis.cache_max_bytes;
  cache_options.max_entry_bytes = config.analysis.cache_max_entry_bytes;
  services->cache = services->shared_database
                        ? std::make_unique<ResultCache>(
                              std::make_unique<PostgresCacheTable>(*services->shared_database), cache_options)
                        : std::make_unique<ResultCache>(*services->database, cache_options);
  // A cache written under a larger bound (or before there was one) is brought within this one now.
  if (Status trimmed = services->cache->Trim(); !trimmed.ok()) {
    LogWarn("store.cache_trim_failed", {{"error", trimmed.ToString()}});
  }
  services->ingestor = std::make_unique<ImageIngestor>(config.ingest);

  auto catalog = models::ModelCatalog::LoadDefault(ProcessEnv());
  if (!catalog.ok()) return catalog.status().WithContext("model catalog");
  services->model_store = std::make_shared<models::ModelStore>(*catalog, config.models.dir, config.models.mirror);
  IRIS_RETURN_IF_ERROR(ParseLocalModels(config.models.local).status());
  services->models = std::make_unique<ModelRegistry>(config, services->model_store);

  IRIS_ASSIGN_OR_RETURN(std::unique_ptr<CollectionStore> collections, OpenCollectionStore(config));
  services->collections = std::make_unique<CollectionService>(
      std::move(collections), OpenSignatureStore(config, *services), *services->models, config.models.default_clip);

  services->jobs = services->shared_database
                       ? std::make_unique<JobRunner>(std::make_unique<PostgresJobStore>(*services->shared_database),
                                                     JobOptions(config.jobs))
                       : std::make_unique<JobRunner>(*services->database, JobOptions(config.jobs));
  auto product_catalog = ProductCatalog::Create(config.products, config.ingest);
  if (!product_catalog.ok()) return product_catalog.status();
  services->products = std::make_unique<ProductService>(*services->collections, std::move(product_catalog).value(),
                                                        config.products, config.models.default_clip, *services->jobs);
  auto websites = CatalogWebsites::Open(config);
  if (!websites.ok()) return websites.status().WithContext("catalog");
  std::shared_ptr<const CatalogWebsites> catalog_websites = std::move(websites).value();
  services->catalog = std::make_unique<CatalogService>(*services->collections, catalog_websites, config.catalog.model);
  services->image_editor = std::make_unique<ImageEditClient>(config.generation);
  services->product_shots = std::make_unique<ProductShotService>(
      catalog_websites, *services->models, *services->ingestor, *services->image_editor, ProductShotTypes::Shipped(),
      config.generation, data_dir / "tmp", *services->jobs);
  services->collection_jobs = std::make_unique<CollectionJobs>(*services->collections, *services->jobs);
  IRIS_RETURN_IF_ERROR(RegisterJobKinds(
      *services->jobs, {*services->collections, *services->products, *services->ingestor, *services->product_shots}));

  services->classifiers =
      std::make_unique<ClassifierCache>(OpenClassifierStore(config, services->shared_database.get()));
  services->captions = std::make_unique<ChatCompletionsClient>(config.captions);
  services->catalog_captions = std::make_unique<CatalogCaptionService>(*services->catalog, *services->captions);
  services->operations = std::make_unique<ops::OperationRegistry>(config.analysis, config.models.default_clip,
                                                                  services->model_store->catalog());
  services->analysis.analysis = config.analysis;
  services->analysis.captions = config.captions;
  services->analysis.default_clip = config.models.default_clip;
  services->analysis.models = services->models.get();
  services->analysis.classifiers = services->classifiers.get();
  services->analysis.captions_client = services->captions.get();
  services->analysis.cache = services->cache.get();
  services->analysis_service = std::make_unique<AnalysisService>(*services->operations, services->analysis);
  ProcessImageOptions process_image;
  process_image.object_detector = config.analysis.person_detector;
  process_image.face_detector = config.analysis.face_detector;
  process_image.foreground_model = config.analysis.foreground_model;
  process_image.clip_model = config.analysis.region_clip_model;
  process_image.min_face_score = static_cast<float>(config.analysis.min_face_score);
  process_image.vlm_analysis = config.analysis.region_vlm != 0;
  services->process_image = std::make_unique<ProcessImageService>(
      *services->models, config.analysis.cache_results ? services->cache.get() : nullptr, process_image,
      services->captions.get());
  return services;
}

}  // namespace iris::app
