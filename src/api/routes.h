// The service routes of `iris serve`, one Register function per file (api/routes_*.cc), called by
// RegisterServices with the opened AppServices. Each adds its routes (documented for /openapi.json)
// to app.router(); a non-OK Status aborts start-up.
#pragma once

#include <memory>

#include "api/app.h"
#include "api/app_services.h"

namespace iris::api {

// POST /v1/images, GET /v1/images/{sha256}
Status RegisterImageRoutes(App& app, std::shared_ptr<AppServices> services);
// POST /v1/embeddings/image, POST /v1/embeddings/text, POST /v1/zero-shot
Status RegisterEmbeddingRoutes(App& app, std::shared_ptr<AppServices> services);
// POST /analyze_image/, POST /analyze_image_upload/, GET /available_operations/
Status RegisterAnalysisRoutes(App& app, std::shared_ptr<AppServices> services);
// GET /v1/models
Status RegisterModelRoutes(App& app, std::shared_ptr<AppServices> services);
// /v1/collections: create/list/describe/delete collections, items CRUD, similarity search
Status RegisterCollectionRoutes(App& app, std::shared_ptr<AppServices> services);
// POST /v1/collections/{name}/reindex and /duplicates/scan (jobs), GET .../scan/{task_id} (groups)
Status RegisterCollectionJobRoutes(App& app, std::shared_ptr<AppServices> services);
// GET /tasks, GET|DELETE /tasks/{task_id}, GET /tasks/{task_id}/items (background jobs)
Status RegisterTaskRoutes(App& app, std::shared_ptr<AppServices> services);
// The seed-002 product routes /embeddings/... and /similar-products/...; registers their job handlers
Status RegisterProductRoutes(App& app, std::shared_ptr<AppServices> services);

}  // namespace iris::api
