#include "api/services.h"

#include <algorithm>
#include <mutex>
#include <thread>

#include "api/access_control.h"
#include "api/routes.h"
#include "app/services.h"
#include "auth/listen_address.h"
#include "core/logging.h"
#include "store/storage_probe.h"

namespace iris::api {
namespace {

void AddCacheMetrics(App& app, const std::shared_ptr<app::Services>& services) {
  std::weak_ptr<app::Services> weak = services;
  app.metrics().AddCollector([weak]() -> std::vector<CollectedMetric> {
    auto s = weak.lock();
    if (!s || !s->cache) return {};
    std::vector<CollectedMetric> metrics = {
        {"iris_cache_hits_total",
         "Result-cache lookups answered from the cache",
         MetricType::kCounter,
         {{{}, static_cast<double>(s->cache->hits())}}},
        {"iris_cache_misses_total",
         "Result-cache lookups that had to compute",
         MetricType::kCounter,
         {{{}, static_cast<double>(s->cache->misses())}}},
        {"iris_cache_evictions_total",
         "Result-cache entries deleted, least recently used first, to stay within analysis.cache_max_bytes",
         MetricType::kCounter,
         {{{}, static_cast<double>(s->cache->evictions())}}},
        {"iris_cache_not_stored_total",
         "Results not cached because they were over analysis.cache_max_entry_bytes",
         MetricType::kCounter,
         {{{}, static_cast<double>(s->cache->not_stored())}}}};
    if (auto bytes = s->cache->StoredBytes(); bytes.ok()) {
      metrics.push_back({"iris_cache_bytes",
                         "Size of the result-cache entries in iris.db (bounded by analysis.cache_max_bytes)",
                         MetricType::kGauge,
                         {{{}, static_cast<double>(*bytes)}}});
    }
    return metrics;
  });
}

void AddModelMetrics(App& app, const std::shared_ptr<app::Services>& services) {
  std::weak_ptr<app::Services> weak = services;
  app.metrics().AddCollector([weak]() -> std::vector<CollectedMetric> {
    auto s = weak.lock();
    if (!s || !s->models) return {};
    CollectedMetric batches{
        "iris_model_batches_total", "Model runs made by the dynamic batcher", MetricType::kCounter, {}};
    CollectedMetric items{"iris_model_items_total", "Inputs run through the dynamic batcher", MetricType::kCounter, {}};
    CollectedMetric rejected{
        "iris_model_rejected_total", "Inputs refused because a model queue was full", MetricType::kCounter, {}};
    CollectedMetric depth{"iris_model_queue_depth", "Inputs waiting in a model's queue", MetricType::kGauge, {}};
    for (const auto& m : s->models->Loaded()) {
      const std::map<std::string, std::string> labels = {{"model", m.name}};
      batches.samples.push_back({labels, static_cast<double>(m.stats.batches)});
      items.samples.push_back({labels, static_cast<double>(m.stats.items)});
      rejected.samples.push_back({labels, static_cast<double>(m.stats.rejected)});
      depth.samples.push_back({labels, static_cast<double>(m.stats.queue_depth)});
    }
    return {batches, items, rejected, depth};
  });
}

void AddJobMetrics(App& app, const std::shared_ptr<app::Services>& services) {
  std::weak_ptr<app::Services> weak = services;
  app.metrics().AddCollector([weak]() -> std::vector<CollectedMetric> {
    auto s = weak.lock();
    if (!s || !s->jobs) return {};
    auto counts = s->jobs->store().Count();
    if (!counts.ok()) return {};
    CollectedMetric jobs{"iris_jobs", "Background jobs by status", MetricType::kGauge, {}};
    for (const auto& [status, n] : counts->jobs) jobs.samples.push_back({{{"status", status}}, static_cast<double>(n)});
    return {jobs,
            {"iris_job_items_pending",
             "Items waiting in queued and running background jobs",
             MetricType::kGauge,
             {{{}, static_cast<double>(counts->pending_items)}}}};
  });
}

// API keys and CORS in front of every route (docs/security.md).
void InstallAccessControl(App& app, std::shared_ptr<app::KeyService> keys) {
  const ServerConfig& server = app.config().server;
  const AuthMode mode = EffectiveAuthMode(server);
  const bool loopback = auth::IsLoopbackListenHost(server.host);
  std::size_t active_keys = 0;
  if (auto keys_now = keys->List(); keys_now.ok()) {
    active_keys = static_cast<std::size_t>(
        std::count_if(keys_now->begin(), keys_now->end(), [](const auth::ApiKeyRecord& k) { return !k.revoked(); }));
  }
  LogInfo("server.auth", {{"mode", AuthModeName(mode)},
                          {"setting", server.auth},
                          {"host", server.host},
                          {"active_keys", active_keys},
                          {"cors_origins", server.cors_origins}});
  if (mode == AuthMode::kOff && !loopback) {
    LogWarn("server.auth_off_on_network",
            {{"host", server.host},
             {"warning",
              "server.auth = off on a non-loopback address: ANYONE who can reach this port may call "
              "every route, including deletes. Use auto or required, or a reverse proxy that "
              "authenticates."}});
  }
  if (mode == AuthMode::kRequired && active_keys == 0) {
    LogWarn("server.auth_no_keys", {{"hint",
                                     "API keys are required and none exists: every request except health "
                                     "probes, the console's files and the API docs gets 401. Create one "
                                     "with: iris keys create --name NAME --data-dir DIR"}});
  }
  app.server().set_request_filter(
      std::make_shared<AccessControl>(mode, server.cors_origins, app.router(), std::move(keys)));
}

}  // namespace

Status RegisterServices(App& app) {
  auto opened = app::OpenServices(app.config());
  if (!opened.ok()) return opened.status();
  std::shared_ptr<app::Services> services = std::move(opened).value();
  // Each route group gets only the members it uses; each pointer keeps the whole of `services` alive.
  const auto share = [&services](auto* member) {
    return std::shared_ptr<std::remove_pointer_t<decltype(member)>>(services, member);
  };

  // The database answers from connections opened at start-up, so it cannot tell whether new files
  // can still be opened: the probe creates one in the data directory (fails when the process is out
  // of file descriptors or the directory is gone) and the free space is checked (a full disk still
  // lets an empty file be created).
  app.readiness().Add(
      "storage",
      [weak = std::weak_ptr<app::Services>(services),
       data_dir = std::filesystem::path(app.config().storage.data_dir)]() -> Status {
        auto s = weak.lock();
        if (!s || !s->database) return Unavailable("storage is closed");
        IRIS_RETURN_IF_ERROR(s->database->Read([](SqliteConnection& conn) { return conn.Execute("SELECT 1"); }));
        IRIS_RETURN_IF_ERROR(ProbeFileCreation(data_dir));
        return CheckFreeSpace(data_dir, kReadyMinFreeBytes);
      });
  // With storage.database_url, the shared PostgreSQL database must answer too (jobs and cache live there).
  if (services->shared_database) {
    app.readiness().Add("shared_database", [weak = std::weak_ptr<app::Services>(services)]() -> Status {
      auto s = weak.lock();
      if (!s || !s->shared_database) return Unavailable("storage is closed");
      return s->shared_database->Transaction([](PgConnection& c) { return c.ExecScript("SELECT 1"); });
    });
  }
  // With storage.vector_engine = qdrant or milvus, the collections live there: the engine must answer too.
  if (services->collections->engine() != "local") {
    app.readiness().Add("vector_engine", [weak = std::weak_ptr<app::Services>(services)]() -> Status {
      auto s = weak.lock();
      if (!s || !s->collections) return Unavailable("storage is closed");
      return s->collections->PingEngine();
    });
  }
  // Models named in models.preload load in the background; /readyz says not ready until they are.
  const auto preload = app.config().models.preload;
  if (!preload.empty()) {
    auto state = std::make_shared<std::pair<std::mutex, Status>>();
    state->second = Unavailable("loading models");
    std::thread([services, preload, state] {
      Status loaded = services->models->Preload(preload);
      if (!loaded.ok()) LogError("models.preload_failed", {{"error", loaded.message()}});
      std::lock_guard lock(state->first);
      state->second = loaded;
    }).detach();
    app.readiness().Add("models", [state]() -> Status {
      std::lock_guard lock(state->first);
      return state->second;
    });
  }
  InstallAccessControl(app, share(services->keys.get()));
  AddCacheMetrics(app, services);
  AddModelMetrics(app, services);
  AddJobMetrics(app, services);

  Router& router = app.router();
  const auto ingestor = share(services->ingestor.get());
  IRIS_RETURN_IF_ERROR(RegisterImageRoutes(router, share(services->images.get()), ingestor));
  IRIS_RETURN_IF_ERROR(RegisterEmbeddingRoutes(router, share(services->models.get()), ingestor));
  IRIS_RETURN_IF_ERROR(RegisterModelRoutes(router, share(services->models.get()), services->model_store));
  IRIS_RETURN_IF_ERROR(
      RegisterAnalysisRoutes(router, app.metrics(), share(services->analysis_service.get()), ingestor));
  IRIS_RETURN_IF_ERROR(RegisterProcessImageRoutes(router, share(services->process_image.get()), ingestor));
  IRIS_RETURN_IF_ERROR(RegisterCollectionRoutes(router, share(services->collections.get()), ingestor));
  IRIS_RETURN_IF_ERROR(RegisterCollectionJobRoutes(router, share(services->collection_jobs.get())));
  IRIS_RETURN_IF_ERROR(RegisterTaskRoutes(router, share(services->jobs.get())));
  IRIS_RETURN_IF_ERROR(RegisterProductRoutes(router, share(services->products.get()), ingestor));
  IRIS_RETURN_IF_ERROR(
      RegisterCatalogRoutes(router, share(services->catalog.get()), share(services->catalog_captions.get()), ingestor));
  IRIS_RETURN_IF_ERROR(RegisterCatalogGenerationRoutes(router, share(services->product_shots.get())));
  app.AddShutdownHook("storage", [services] { services->Close(); });
  // Every job kind was registered by OpenServices; jobs left queued or running by an earlier process resume.
  IRIS_RETURN_IF_ERROR(services->jobs->Start());
  return {};
}

}  // namespace iris::api
