// The service routes of `iris serve`, one Register function per file (api/routes_*.cc), called by
// RegisterServices (api/services.cc). Each route group receives only the services it uses, as
// shared_ptrs that keep them alive while a handler can run; each adds its routes (documented for
// /openapi.json) to the router. Handlers are named functions that translate HTTP to a service call
// (src/app) and its answer back to HTTP. A non-OK Status aborts start-up.
#pragma once

#include <memory>

#include "api/metrics.h"
#include "api/router.h"
#include "app/analysis_service.h"
#include "app/catalog_caption_service.h"
#include "app/catalog_service.h"
#include "app/collection_jobs.h"
#include "app/collection_service.h"
#include "app/image_library.h"
#include "app/process_image_service.h"
#include "app/product_service.h"
#include "app/product_shot_service.h"
#include "ingest/image_ingestor.h"
#include "jobs/job_runner.h"
#include "models/model_store.h"
#include "vision/model_registry.h"

namespace iris::api {

// POST /v1/images, GET /v1/images/{sha256}
Status RegisterImageRoutes(Router& router, std::shared_ptr<app::ImageLibrary> images,
                           std::shared_ptr<const ImageIngestor> ingestor);
// POST /v1/embeddings/image, POST /v1/embeddings/text, POST /v1/zero-shot
Status RegisterEmbeddingRoutes(Router& router, std::shared_ptr<ModelRegistry> models,
                               std::shared_ptr<const ImageIngestor> ingestor);
// POST /analyze_image/, POST /analyze_image_upload/, GET /available_operations/
Status RegisterAnalysisRoutes(Router& router, MetricsRegistry& metrics,
                              std::shared_ptr<const app::AnalysisService> analysis,
                              std::shared_ptr<const ImageIngestor> ingestor);
// GET /v1/models
Status RegisterModelRoutes(Router& router, std::shared_ptr<const ModelRegistry> models,
                           std::shared_ptr<const models::ModelStore> model_store);
// /v1/collections: create/list/describe/delete collections, items CRUD, similarity search, duplicates
Status RegisterCollectionRoutes(Router& router, std::shared_ptr<app::CollectionService> collections,
                                std::shared_ptr<const ImageIngestor> ingestor);
// POST /v1/collections/{name}/reindex and /duplicates/scan (jobs), GET .../scan/{task_id} (groups)
Status RegisterCollectionJobRoutes(Router& router, std::shared_ptr<app::CollectionJobs> jobs);
// GET /tasks, GET|DELETE /tasks/{task_id}, GET /tasks/{task_id}/items (background jobs)
Status RegisterTaskRoutes(Router& router, std::shared_ptr<JobRunner> jobs);
// The seed-002 product routes /embeddings/... and /similar-products/...
Status RegisterProductRoutes(Router& router, std::shared_ptr<app::ProductService> products,
                             std::shared_ptr<const ImageIngestor> ingestor);

// The seed-003/004 jewelry catalog: POST /image_similarity_search, POST /generate_caption,
// POST /delete_image, GET /catalog/{website}/images/{image_id}
Status RegisterCatalogRoutes(Router& router, std::shared_ptr<app::CatalogService> catalog,
                             std::shared_ptr<app::CatalogCaptionService> captions,
                             std::shared_ptr<const ImageIngestor> ingestor);
// The catalog's generated product shots: POST /generate-images, POST /regenerate-image,
// GET /catalog/{website}/files/{sha256}
Status RegisterCatalogGenerationRoutes(Router& router, std::shared_ptr<const app::ProductShotService> shots);
// POST /process-image (seed "Image Processing API"): prompt-driven region matching
Status RegisterProcessImageRoutes(Router& router, std::shared_ptr<const app::ProcessImageService> process_image,
                                  std::shared_ptr<const ImageIngestor> ingestor);

}  // namespace iris::api
