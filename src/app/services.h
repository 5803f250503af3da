// Services: the long-lived objects of one Iris process, opened once from the Config by OpenServices
// -- storage (SQLite database, the shared PostgreSQL database when storage.database_url names one, blob
// store, result cache, API keys), image ingestion, the model store and the
// loaded-model registry, the analysis operations with their classifiers (a folder, or the shared database) and
// captioning client (AnalysisService),
// prompt-driven region matching (ProcessImageService),
// and the application services: stored images (ImageLibrary), vector collections (local, Qdrant or Milvus, per
// storage.vector_engine) with their duplicate
// index (CollectionService), the product catalog (ProductService), the jewelry catalog
// (CatalogService, its images in the filesystem or S3 per storage.backend) and its generated product shots
// (ProductShotService with the image-edit client), collection jobs and the job
// runner with every job kind registered (app/job_kinds.h; Start() is the caller's, after wiring).
//
// Callers take only what they use: `iris serve` hands each route group the members it needs
// (api/services.cc), CLI commands pass single members on. Close() (a shutdown step) stops the job
// runner (in-flight items go back to the queue), snapshots the collections and closes the databases.
// Members are declared so that destruction runs the other way: the job runner, whose handlers use
// the services above it, goes first. Every member is thread-safe for the use callers make of it.
#pragma once

#include <memory>

#include "app/analysis_service.h"
#include "app/catalog_caption_service.h"
#include "app/catalog_service.h"
#include "app/collection_jobs.h"
#include "app/collection_service.h"
#include "app/image_library.h"
#include "app/key_service.h"
#include "app/process_image_service.h"
#include "app/product_service.h"
#include "app/product_shot_service.h"
#include "classify/classifier_store.h"
#include "core/config.h"
#include "core/result.h"
#include "ingest/image_ingestor.h"
#include "jobs/job_runner.h"
#include "models/model_store.h"
#include "ops/analysis_services.h"
#include "ops/operation_registry.h"
#include "providers/chat_completions_client.h"
#include "providers/image_edit_client.h"
#include "store/blob_store.h"
#include "store/database.h"
#include "store/postgres_database.h"
#include "store/result_cache.h"
#include "vision/model_registry.h"

namespace iris::app {

struct Services {
  std::unique_ptr<Database> database;
  // Set when storage.database_url names PostgreSQL: the job queue lives there (docs/scale-out.md).
  std::unique_ptr<PostgresDatabase> shared_database;
  std::unique_ptr<BlobStore> blobs;
  std::unique_ptr<ResultCache> cache;
  std::unique_ptr<KeyService> keys;  // API keys in iris.db (`iris keys`, the server's access check)
  std::unique_ptr<ImageIngestor> ingestor;
  std::shared_ptr<models::ModelStore> model_store;
  std::unique_ptr<ModelRegistry> models;
  // Trained classifiers: the shared database's when there is one, else analysis.classifiers_dir.
  std::unique_ptr<ClassifierCache> classifiers;
  std::unique_ptr<ChatCompletionsClient> captions;
  std::unique_ptr<ops::OperationRegistry> operations;
  ops::AnalysisServices analysis;  // points into the members above
  std::unique_ptr<AnalysisService> analysis_service;
  std::unique_ptr<ProcessImageService> process_image;  // POST /process-image

  std::unique_ptr<ImageLibrary> images;
  // Collections of storage.vector_engine (<data_dir>/collections, Qdrant or Milvus) + duplicate signatures
  std::unique_ptr<CollectionService> collections;
  std::unique_ptr<ProductService> products;
  std::unique_ptr<CatalogService> catalog;  // seed-003/004 jewelry catalog: a collection + blob location per website
  std::unique_ptr<CatalogCaptionService> catalog_captions;  // POST /generate_caption (the captions client)
  std::unique_ptr<ImageEditClient> image_editor;            // the image-edit provider (generation.*)
  std::unique_ptr<ProductShotService> product_shots;        // POST /generate-images, /regenerate-image
  std::unique_ptr<CollectionJobs> collection_jobs;
  std::unique_ptr<JobRunner> jobs;  // background jobs (every kind registered); started by the caller

  void Close();
};

// Opens <data_dir>/iris.db (migrations applied), <data_dir>/blobs, <data_dir>/collections, the
// model store over models.dir with the embedded catalog, and registers every job kind. Errors name
// what could not be opened.
Result<std::shared_ptr<Services>> OpenServices(const Config& config);

// The PostgreSQL database of storage.database_url (migrations applied), or null when it is empty.
Result<std::unique_ptr<PostgresDatabase>> OpenSharedDatabase(const StorageConfig& storage);

// Where trained classifiers live, for the server and `iris train-classifier` alike: the shared
// database's tables when `shared_database` is given (it must outlive the store), else the folder
// analysis.classifiers_dir. With a database whose index is empty while the folder has one, a warning
// says to run `iris migrate` (the folder is not read).
std::shared_ptr<ClassifierStore> OpenClassifierStore(const Config& config, PostgresDatabase* shared_database);

}  // namespace iris::app
