// GET /v1/models: every catalog model (installed or not) and every loaded model with its batcher
// statistics.
#include "api/routes.h"

namespace iris::api {
namespace {

Result<HttpResponse> ListModels(const ModelRegistry& registry, const models::ModelStore& model_store) {
  nlohmann::json catalog = nlohmann::json::array();
  for (const auto& status : model_store.List()) {
    catalog.push_back({{"name", status.spec->name},
                       {"task", models::ModelTaskName(status.spec->task)},
                       {"family", models::ModelFamilyName(status.spec->family)},
                       {"installed", status.installed},
                       {"bytes_on_disk", status.bytes_on_disk},
                       {"licence", status.spec->licence},
                       {"test_only", status.spec->test_only}});
  }
  nlohmann::json loaded = nlohmann::json::array();
  for (const auto& m : registry.Loaded()) {
    loaded.push_back({{"name", m.name},
                      {"kind", m.kind},
                      {"provider", m.provider},
                      {"dim", m.dim},
                      {"batches", m.stats.batches},
                      {"items", m.stats.items},
                      {"average_batch_size", m.stats.average_batch_size},
                      {"rejected", m.stats.rejected},
                      {"queue_depth", m.stats.queue_depth}});
  }
  return HttpResponse::Json({{"default_clip", registry.default_clip()}, {"catalog", catalog}, {"loaded", loaded}});
}

}  // namespace

Status RegisterModelRoutes(Router& router, std::shared_ptr<const ModelRegistry> models,
                           std::shared_ptr<const models::ModelStore> model_store) {
  return router.Add(
      RouteSpec::Get("/v1/models")
          .Summary("Models: the catalog with installation state, and what is loaded")
          .Tag("models")
          .Returns(200, "Catalog and loaded models"),
      [models, model_store](const httplib::Request&, RequestContext&) { return ListModels(*models, *model_store); });
}

}  // namespace iris::api
