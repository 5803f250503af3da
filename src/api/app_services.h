// AppServices: the long-lived objects the routes of `iris serve` use -- storage (SQLite database,
// blob store, result cache), image ingestion, the model store and the loaded-model registry, and
// for the analysis API the operation registry, collection classifiers and the captioning client,
// the vector collections with their duplicate index, the job runner and the product catalog --
// opened once at start-up from the Config by OpenAppServices. Routes hold a shared_ptr to it, so
// it lives as long as any handler can run; Close() (a shutdown hook) stops the job runner (its
// in-flight items go back to the queue) and closes the database after HTTP traffic has drained. Every member is
// thread-safe for the use routes make of it.
#pragma once

#include <memory>

#include "classify/classifier_store.h"
#include "core/config.h"
#include "core/result.h"
#include "dedup/collection_dedup_index.h"
#include "dedup/signature_store.h"
#include "index/collection_manager.h"
#include "ingest/image_ingestor.h"
#include "jobs/job_runner.h"
#include "models/model_store.h"
#include "ops/analysis_services.h"
#include "ops/operation_registry.h"
#include "products/product_catalog.h"
#include "providers/chat_completions_client.h"
#include "store/blob_store.h"
#include "store/database.h"
#include "store/result_cache.h"
#include "vision/model_registry.h"

namespace iris::api {

struct AppServices {
  std::unique_ptr<Database> database;
  std::unique_ptr<BlobStore> blobs;
  std::unique_ptr<ResultCache> cache;
  std::unique_ptr<ImageIngestor> ingestor;
  std::shared_ptr<models::ModelStore> model_store;
  std::unique_ptr<ModelRegistry> models;
  std::unique_ptr<ClassifierCache> classifiers;
  std::unique_ptr<ChatCompletionsClient> captions;
  std::unique_ptr<CollectionManager> collections;    // <data_dir>/collections
  std::unique_ptr<SignatureStore> signatures;        // duplicate signatures in iris.db (before duplicates)
  std::unique_ptr<CollectionDedupIndex> duplicates;  // per-collection duplicate index, loaded from signatures
  std::unique_ptr<JobRunner> jobs;                   // background jobs; started by RegisterServices
  std::unique_ptr<ProductCatalog> products;          // where product images and the product list are
  ProductsConfig products_config;
  std::unique_ptr<ops::OperationRegistry> operations;
  ops::AnalysisServices analysis;  // points into the members above

  void Close();
};

// Opens <data_dir>/iris.db (migrations applied), <data_dir>/blobs, <data_dir>/collections, the
// model store over models.dir with the embedded catalog. Errors name what could not be opened.
Result<std::shared_ptr<AppServices>> OpenAppServices(const Config& config);

}  // namespace iris::api
