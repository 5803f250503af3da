#include "ops/operation_registry.h"

#include <exception>

#include "core/json_limits.h"
#include "core/logging.h"
#include "models/embedded_catalog.h"
#include "ops/operation_catalog.h"
#include "store/result_cache.h"
#include "vision/model_kind.h"

namespace iris::ops {
namespace {

// The catalog compiled into the binary (checked by models/ tests; empty if it ever failed to parse).
const models::ModelCatalog& EmbeddedCatalog() {
  static const models::ModelCatalog catalog = [] {
    auto parsed = models::ModelCatalog::Parse(models::EmbeddedCatalogJson());
    if (!parsed.ok()) {
      LogError("analysis.embedded_catalog_invalid", {{"reason", parsed.status().message()}});
      return models::ModelCatalog();
    }
    return std::move(parsed).value();
  }();
  return catalog;
}

OperationResult RunGuarded(const Operation& op, AnalysisContext& ctx, const OperationArgs& args) {
  try {
    auto result = op.run(ctx, args);
    if (!result.ok()) return OperationResult::Error(result.status().message());
    return std::move(result).value();
  } catch (const std::exception& e) {
    LogError("analysis.operation_exception", {{"type", op.type}, {"what", e.what()}});
    return OperationResult::Error(op.type + " failed unexpectedly: " + e.what());
  }
}

}  // namespace

OperationRegistry::OperationRegistry(const AnalysisConfig& config, const std::string& default_clip,
                                     const models::ModelCatalog& catalog) {
  const OperationSettings settings{config, default_clip, CatalogModelNames(catalog, ModelKind::kFaceDetector)};
  AddDetectionOperations(operations_, settings);
  AddEmbeddingOperations(operations_, settings);
  AddClassifyOperation(operations_, settings);
  AddDescribeOperation(operations_, settings);
  AddFeatureOperations(operations_, settings);
}

OperationRegistry::OperationRegistry(const AnalysisConfig& config, const std::string& default_clip)
    : OperationRegistry(config, default_clip, EmbeddedCatalog()) {}

const Operation* OperationRegistry::Find(std::string_view type) const {
  for (const auto& op : operations_) {
    if (op.type == type) return &op;
  }
  return nullptr;
}

nlohmann::json OperationRegistry::Describe() const {
  nlohmann::json ops = nlohmann::json::object();
  for (const auto& op : operations_) ops[op.type] = DescribeOperation(op);
  return {{"operations", ops}};
}

OperationResult OperationRegistry::Run(AnalysisContext& ctx, const AnalysisTask& task) const {
  const Operation* op = Find(task.type);
  if (!op) {
    std::string names;
    for (const auto& o : operations_) names += (names.empty() ? "" : ", ") + o.type;
    return OperationResult::Error("unknown operation type '" + task.type + "'; available: " + names);
  }
  auto args = ResolveArguments(*op, task.params);
  if (!args.ok()) return OperationResult::Error(args.status().message());

  ResultCache* cache = ctx.services().analysis.cache_results ? ctx.services().cache : nullptr;
  std::optional<std::string> version;
  if (cache && op->cache_version) {
    try {
      auto v = op->cache_version(ctx, *args);
      if (!v.ok()) return OperationResult::Error(v.status().message());
      version = *v;
    } catch (const std::exception& e) {
      return OperationResult::Error(op->type + " failed unexpectedly: " + e.what());
    }
  }
  if (!cache || !version) return RunGuarded(*op, ctx, *args);

  // Cached results hold the returned crop, so its size bound is part of the key: a cache written
  // with another bound (or with full-size crops, before there was one) is never served.
  const CacheKey key = CacheKey::Make(ctx.content_sha256(), op->type, *args,
                                      *version + "/crop" + std::to_string(ctx.services().analysis.max_crop_side));
  OperationResult computed;
  bool ran = false;
  auto cached = cache->GetOrCompute(key, [&]() -> Result<std::string> {
    ran = true;
    computed = RunGuarded(*op, ctx, *args);
    if (!computed.ok()) return Unavailable("not cached: " + computed.error_message.value_or(""));
    return computed.ToJson().dump();
  });
  if (ran) return computed;                              // this call computed it (success or not)
  if (!cached.ok()) return RunGuarded(*op, ctx, *args);  // a concurrent caller's failure: try ourselves
  auto parsed = ParseBoundedJson(*cached, kMaxStoredJsonDepth);
  auto result = parsed.ok() ? OperationResult::FromJson(*parsed) : Result<OperationResult>(parsed.status());
  if (!result.ok()) {
    LogWarn("analysis.cache_entry_unreadable", {{"type", op->type}, {"reason", result.status().message()}});
    return RunGuarded(*op, ctx, *args);
  }
  return std::move(result).value();
}

}  // namespace iris::ops
