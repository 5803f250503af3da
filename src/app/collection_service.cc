#include "app/collection_service.h"

#include <mutex>
#include <shared_mutex>

#include "vision/clip_model.h"

namespace iris::app {
namespace {

// As `iris dedup`: the detector hashes at 256 px and extracts local features at 512 px.
constexpr int kDedupMinSide = 640;

// Argument errors of the index and the detector are about the caller's content: 422, not 400.
Status AsUnprocessable(Status status) {
  if (status.code() == StatusCode::kInvalidArgument) return Unprocessable(status.message());
  return status;
}

}  // namespace

CollectionService::CollectionService(std::unique_ptr<CollectionStore> collections,
                                     std::unique_ptr<SignatureStore> signatures, ModelRegistry& models,
                                     std::string default_model)
    : collections_(std::move(collections)),
      signatures_(std::move(signatures)),
      duplicates_(std::make_unique<CollectionDedupIndex>(DuplicateOptions{}, signatures_.get())),
      models_(models),
      default_model_(std::move(default_model)) {}

Result<std::vector<std::string>> CollectionService::List() const { return collections_->List(); }

Result<std::shared_ptr<const VectorCollection>> CollectionService::Get(const std::string& name) const {
  IRIS_ASSIGN_OR_RETURN(std::shared_ptr<VectorCollection> collection, collections_->Get(name));
  return std::shared_ptr<const VectorCollection>(std::move(collection));
}

Result<std::shared_ptr<const VectorCollection>> CollectionService::GetIfAny(const std::string& name) const {
  auto existing = Get(name);
  if (!existing.ok() && existing.status().code() == StatusCode::kNotFound) {
    return std::shared_ptr<const VectorCollection>();
  }
  return existing;
}

Result<std::shared_ptr<const VectorCollection>> CollectionService::Create(const std::string& name, CollectionSpec spec,
                                                                          std::optional<int> requested_dim) {
  if (spec.model.empty()) spec.model = default_model_;
  if (spec.model == kExternalModel) {
    if (!requested_dim) return Unprocessable("'dim' is required for a collection of external vectors");
    spec.dim = *requested_dim;
  } else {
    auto model = models_.ImageEncoder(spec.model);
    if (!model.ok()) {
      if (model.status().code() == StatusCode::kNotFound) return Unprocessable(model.status().message());
      return model.status();
    }
    spec.model = (*model)->name();
    spec.dim = (*model)->dim();
    if (requested_dim && *requested_dim != spec.dim) {
      return Unprocessable("model " + spec.model + " has dim " + std::to_string(spec.dim) + ", not " +
                           std::to_string(*requested_dim));
    }
  }
  std::unique_lock lifecycle(lifecycle_);
  IRIS_ASSIGN_OR_RETURN(std::shared_ptr<VectorCollection> collection, collections_->Create(DescriptionOf(name, spec)));
  IRIS_RETURN_IF_ERROR(duplicates_->Forget(name));  // nothing of an earlier collection of that name
  return std::shared_ptr<const VectorCollection>(std::move(collection));
}

Result<std::shared_ptr<const VectorCollection>> CollectionService::GetOrCreate(const std::string& name,
                                                                               const std::string& model) {
  auto existing = Get(name);
  const std::string& wanted = model.empty() ? default_model_ : model;
  if (existing.ok() && (*existing)->description().model != wanted &&
      (*existing)->description().model != kExternalModel) {
    // `model` may be another name of the recorded model; the loaded model's name is exact. A model that
    // does not load is not judged here: whatever needs it reports that.
    if (auto encoder = models_.ImageEncoder(wanted); encoder.ok()) {
      IRIS_RETURN_IF_ERROR(CheckSameModel(**existing, (*encoder)->name()));
    }
  }
  if (existing.ok() || existing.status().code() != StatusCode::kNotFound) return existing;
  IRIS_ASSIGN_OR_RETURN(std::shared_ptr<const ImageEncoder> encoder, models_.ImageEncoder(model));
  CollectionSpec spec;
  spec.model = encoder->name();
  spec.dim = encoder->dim();
  spec.metric = Metric::kCosine;
  std::unique_lock lifecycle(lifecycle_);
  auto created = collections_->Create(DescriptionOf(name, spec));
  if (created.ok()) {
    IRIS_RETURN_IF_ERROR(duplicates_->Forget(name));
    return std::shared_ptr<const VectorCollection>(std::move(created).value());
  }
  lifecycle.unlock();
  if (created.status().code() == StatusCode::kAlreadyExists) return Get(name);  // a concurrent first use
  return created.status();
}

Status CollectionService::CheckSameModel(const VectorCollection& collection, const std::string& model) {
  const auto& o = collection.description();
  if (model.empty() || model == o.model) return Status::Ok();
  return FailedPrecondition("collection '" + o.name + "' holds vectors of model '" + o.model + "', not '" + model +
                            "': vectors of two models, or of two variants of one model (fp32 and int8), cannot "
                            "be mixed in one index; use a collection made with '" +
                            model + "'");
}

Status CollectionService::Drop(const std::string& name) {
  std::unique_lock lifecycle(lifecycle_);
  IRIS_RETURN_IF_ERROR(collections_->Drop(name));
  return duplicates_->Forget(name);
}

Result<std::shared_ptr<VectorCollection>> CollectionService::Writable(const VectorCollection& collection) const {
  // The same object, reached through the manager that owns it (readers only ever hold it const).
  IRIS_ASSIGN_OR_RETURN(std::shared_ptr<VectorCollection> owned, collections_->Get(collection.description().name));
  if (owned.get() != &collection) return NotFound("collection '" + collection.description().name + "' was dropped");
  return owned;
}

Status CollectionService::UpsertImage(const VectorCollection& collection, const std::string& id,
                                      const IngestedImage& image, nlohmann::json metadata, Trace& trace) {
  IRIS_RETURN_IF_ERROR(Writable(collection).status());  // before the costly part; checked again below
  IRIS_ASSIGN_OR_RETURN(std::vector<float> vector, EmbedImage(collection, image, trace));
  IRIS_ASSIGN_OR_RETURN(auto pixels, DedupPixels(image, trace));
  std::optional<DuplicateSignature> signature;
  {
    ScopedStage stage(trace, "duplicate_signature");
    auto computed = duplicates_->ComputeSignature(*pixels);
    if (!computed.ok()) return AsUnprocessable(computed.status());
    signature = std::move(computed).value();
  }
  std::shared_lock lifecycle(lifecycle_);
  IRIS_ASSIGN_OR_RETURN(std::shared_ptr<VectorCollection> target, Writable(collection));
  IRIS_RETURN_IF_ERROR(AsUnprocessable(target->Upsert(id, vector, std::move(metadata))));
  // After the item: a duplicate signature never names an item that was not stored. The upsert is
  // idempotent, so a failure here (database busy) can be retried by the client.
  return duplicates_->Add(collection.description().name, id, std::move(*signature));
}

Status CollectionService::UpsertVector(const VectorCollection& collection, const std::string& id,
                                       std::span<const float> vector, nlohmann::json metadata) {
  std::shared_lock lifecycle(lifecycle_);
  IRIS_ASSIGN_OR_RETURN(std::shared_ptr<VectorCollection> target, Writable(collection));
  IRIS_RETURN_IF_ERROR(AsUnprocessable(target->Upsert(id, vector, std::move(metadata))));
  // A vector-only upsert replaces any earlier image: the item leaves the duplicate index.
  return duplicates_->Remove(collection.description().name, id);
}

Status CollectionService::Delete(const VectorCollection& collection, const std::string& id) {
  std::shared_lock lifecycle(lifecycle_);
  IRIS_ASSIGN_OR_RETURN(std::shared_ptr<VectorCollection> target, Writable(collection));
  IRIS_RETURN_IF_ERROR(target->Delete(id));
  return duplicates_->Remove(collection.description().name, id);
}

Result<std::shared_ptr<const ImageEncoder>> CollectionService::EncoderOf(const VectorCollection& collection,
                                                                         Trace& trace) const {
  const auto& o = collection.description();
  if (o.model == kExternalModel) {
    return Unprocessable("collection '" + o.name + "' stores external vectors: send 'vector'");
  }
  std::shared_ptr<const ImageEncoder> encoder;
  {
    ScopedStage stage(trace, "model_load");
    IRIS_ASSIGN_OR_RETURN(encoder, models_.ImageEncoder(o.model));
  }
  if (encoder->dim() != o.index.dim) {
    return FailedPrecondition("model " + o.model + " now has dim " + std::to_string(encoder->dim()) +
                              ", the collection has " + std::to_string(o.index.dim));
  }
  return encoder;
}

Result<std::vector<float>> CollectionService::EmbedImage(const VectorCollection& collection, const IngestedImage& image,
                                                         Trace& trace) const {
  IRIS_ASSIGN_OR_RETURN(std::shared_ptr<const ImageEncoder> encoder, EncoderOf(collection, trace));
  return DecodeAndEmbed(
      *encoder, [&image](int min_side) { return image.AtLeast(min_side); }, /*normalize=*/true, trace);
}

Result<std::vector<float>> CollectionService::EmbedText(const VectorCollection& collection, const std::string& text,
                                                        Trace& trace) const {
  IRIS_ASSIGN_OR_RETURN(std::shared_ptr<const ImageEncoder> encoder, EncoderOf(collection, trace));
  const auto clip = std::dynamic_pointer_cast<const ClipModel>(encoder);
  if (!clip) return Unprocessable("model " + encoder->name() + " embeds images only: it cannot search by text");
  if (!clip->has_text()) return Unprocessable("model " + clip->name() + " has no text tower");
  ScopedStage stage(trace, "inference");
  IRIS_ASSIGN_OR_RETURN(auto embeddings, clip->EmbedTexts(std::vector<std::string>{text}, /*normalize=*/true));
  return std::move(embeddings.at(0));
}

Result<std::shared_ptr<const DuplicateDetector>> CollectionService::Duplicates(const std::string& collection) const {
  IRIS_ASSIGN_OR_RETURN(std::shared_ptr<DuplicateDetector> detector, duplicates_->Get(collection));
  return std::shared_ptr<const DuplicateDetector>(std::move(detector));
}

Result<CollectionService::DuplicateCheck> CollectionService::CheckDuplicates(const VectorCollection& collection,
                                                                             const IngestedImage& image,
                                                                             Trace& trace) const {
  IRIS_ASSIGN_OR_RETURN(auto pixels, DedupPixels(image, trace));
  IRIS_ASSIGN_OR_RETURN(auto detector, Duplicates(collection.description().name));
  DuplicateCheck check;
  {
    ScopedStage stage(trace, "duplicates");
    auto report = detector->Check(*pixels);
    if (!report.ok()) return AsUnprocessable(report.status());
    check.report = std::move(report).value();
  }
  check.indexed = detector->size();
  return check;
}

Result<std::shared_ptr<const RgbImage>> CollectionService::DedupPixels(const IngestedImage& image, Trace& trace) {
  ScopedStage stage(trace, "decode");
  return image.AtLeast(kDedupMinSide);
}

void CollectionService::CheckpointAll() { collections_->CheckpointAll(); }

std::string CollectionService::engine() const { return collections_->engine(); }

Status CollectionService::PingEngine() const { return collections_->Ping(); }

}  // namespace iris::app
