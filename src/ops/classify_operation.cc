// classify: a collection's logistic-regression head (trained by `iris train-classifier`) over the
// CLIP embedding of the requested region (the seed ignored the target; Iris honours it). The
// classifier file names its embedding model; the region is embedded with exactly that model.
#include "classify/classifier_store.h"
#include "ops/operation_catalog.h"
#include "ops/operation_helpers.h"
#include "vision/model_registry.h"

namespace iris::ops {
namespace {

std::string CollectionId(const OperationArgs& args) {
  const auto& v = args["collection_id"];
  return v.is_string() ? v.get<std::string>() : std::to_string(v.get<long long>());
}

}  // namespace

void AddClassifyOperation(std::vector<Operation>& ops, const OperationSettings& settings) {
  Operation op;
  op.type = "classify";
  op.description =
      "Determines if an image region belongs to a specific collection using a binary classifier over its CLIP "
      "embedding. data: {is_in_collection, probability, threshold, classifier_version}. Skipped when no classifier "
      "exists for the collection.";
  op.allowed_targets = kAllTargets;
  op.default_target = "whole_image";
  op.params = {{"collection_id",
                "string|integer",
                nullptr,
                "the collection whose classifier to use",
                {},
                std::nullopt,
                std::nullopt,
                /*required=*/true}};
  for (auto& p : RegionParams(settings)) op.params.push_back(std::move(p));
  op.cache_version = [](AnalysisContext& ctx, const OperationArgs& args) -> Result<std::optional<std::string>> {
    if (!ctx.services().classifiers) return std::optional<std::string>();
    auto classifier = ctx.services().classifiers->Get(CollectionId(args));
    if (!classifier.ok()) return std::optional<std::string>();  // run() reports it
    return std::optional<std::string>((*classifier)->version + "+" + (*classifier)->embedding_model + "+" +
                                      RegionModels(ctx, args));
  };
  op.run = [](AnalysisContext& ctx, const OperationArgs& args) -> Result<OperationResult> {
    if (!ctx.services().classifiers) return OperationResult::Skipped("no classifiers are configured on this server");
    const std::string collection = CollectionId(args);
    auto classifier = ctx.services().classifiers->Get(collection);
    if (!classifier.ok()) {
      if (classifier.status().code() == StatusCode::kNotFound) {
        return OperationResult::Skipped(classifier.status().message());
      }
      return classifier.status();
    }
    OperationResult skipped;
    IRIS_ASSIGN_OR_RETURN(auto region, RegionWithSeedFallbacks(ctx, args, skipped));
    if (!region) return skipped;
    if (!ctx.services().models) return FailedPrecondition("no model registry");
    const auto& c = **classifier;
    // The classifier's CLIP model, as `iris train-classifier` embedded its training images.
    IRIS_ASSIGN_OR_RETURN(std::shared_ptr<const ImageEncoder> model, ctx.services().models->Clip(c.embedding_model));
    IRIS_ASSIGN_OR_RETURN(auto embedding, model->EmbedImage(*region->pixels, c.normalized_embeddings));
    IRIS_ASSIGN_OR_RETURN(auto prediction, c.Predict(embedding, model->name()));
    OperationResult result = OperationResult::Success({{"is_in_collection", prediction.is_in_collection},
                                                       {"probability", prediction.probability},
                                                       {"threshold", c.threshold},
                                                       {"classifier_version", c.version}});
    IRIS_RETURN_IF_ERROR(ReportCrop(ctx, *region, result));
    return result;
  };
  ops.push_back(std::move(op));
}

}  // namespace iris::ops
