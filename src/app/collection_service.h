// CollectionService: the one owner of the vector collections (index/collection_manager.h) and of
// their near-duplicate index (dedup/collection_dedup_index.h, signatures persisted in iris.db). A
// collection's vectors and its duplicate signatures change together, here and nowhere else: the
// routes of /v1/collections and the product routes, the collection and product jobs, and
// `iris index add` all write through it, and readers get const collections and const detectors.
// (Collections store vectors and metadata only; the image bytes they were made from are not kept,
// so there are no blobs to own: POST /v1/images stores blobs, app/image_library.h.)
//
//   Create   resolves the model by its catalog family (a CLIP model, an image-only embedder such as
//            resnet50, or "external" for vectors sent by the caller), fills in its dimension and
//            forgets any duplicate signatures left by an earlier collection of that name.
//   UpsertImage  embeds the image with the collection's model, computes its duplicate signature,
//            stores the item (durable when it returns), then its signature.
//   UpsertVector stores a vector; the item leaves the duplicate index (any earlier image is gone).
//   Delete / Drop remove the item / the collection and its signatures.
//
// A collection's life (Create, GetOrCreate, Drop) excludes the store step of item writes: an upsert
// or delete re-checks, under that lock, that its collection is still the one of that name, then
// writes the item and its signature. So a collection dropped (and re-created) while an image upsert
// was embedding never receives that item or its signature: kNotFound "was dropped" instead.
//
// Stage timings (model_load, decode, inference, duplicate_signature) go to the Trace given.
// Errors: kNotFound for an unknown collection or item; kUnprocessable for a vector, dimension,
// metadata or image the collection cannot take, and for text search on an image-only model;
// kFailedPrecondition (the registry's "not installed; install it with: iris models pull X") when
// the model is missing or its dimension no longer matches the collection's.
// Thread-safety: every method is thread-safe.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <vector>

#include "core/trace.h"
#include "dedup/collection_dedup_index.h"
#include "dedup/signature_store.h"
#include "index/collection_manager.h"
#include "index/vector_collection.h"
#include "ingest/image_ingestor.h"
#include "vision/model_registry.h"

namespace iris::app {

inline constexpr const char* kExternalModel = "external";

class CollectionService {
 public:
  // `default_model` is used by Create when the spec names no model (models.default_clip).
  // `signatures` is where the duplicate index keeps its signatures (iris.db).
  CollectionService(std::unique_ptr<CollectionStore> collections, std::unique_ptr<SignatureStore> signatures,
                    ModelRegistry& models, std::string default_model);
  CollectionService(const CollectionService&) = delete;
  CollectionService& operator=(const CollectionService&) = delete;

  const std::string& default_model() const { return default_model_; }

  // --- reading ----------------------------------------------------------------------------------
  Result<std::vector<std::string>> List() const;
  Result<std::shared_ptr<const VectorCollection>> Get(const std::string& name) const;
  // nullptr (not an error) when there is no collection `name`.
  Result<std::shared_ptr<const VectorCollection>> GetIfAny(const std::string& name) const;

  // --- collections ------------------------------------------------------------------------------
  // spec.model empty: default_model(). For a model, spec.dim is set from it and `requested_dim`, when
  // given, must equal it; for "external", requested_dim is required. kAlreadyExists if `name` exists.
  Result<std::shared_ptr<const VectorCollection>> Create(const std::string& name, CollectionSpec spec,
                                                         std::optional<int> requested_dim = std::nullopt);
  // The collection `name`, created with `model` (cosine, default graph settings) when it does not
  // exist; concurrent first uses create it once. FailedPrecondition (409) when it exists with another
  // model (another variant of the same model included).
  Result<std::shared_ptr<const VectorCollection>> GetOrCreate(const std::string& name, const std::string& model);
  Status Drop(const std::string& name);
  // FailedPrecondition (HTTP 409) when `model` -- the model a request says made its vector, or names
  // for its image -- is not exactly the model (variant included) that fills `collection`: fp32 and
  // int8 vectors of one model are close but not interchangeable, and mixing them in one index is a
  // silent quality loss. An empty `model` is not checked.
  static Status CheckSameModel(const VectorCollection& collection, const std::string& model);

  // --- items ------------------------------------------------------------------------------------
  Status UpsertImage(const VectorCollection& collection, const std::string& id, const IngestedImage& image,
                     nlohmann::json metadata, Trace& trace);
  Status UpsertVector(const VectorCollection& collection, const std::string& id, std::span<const float> vector,
                      nlohmann::json metadata);
  // kNotFound when the collection has no item `id`.
  Status Delete(const VectorCollection& collection, const std::string& id);

  // --- embedding with the collection's model ------------------------------------------------------
  // The model of `collection`, loaded (kUnprocessable for an external collection: send vectors).
  Result<std::shared_ptr<const ImageEncoder>> EncoderOf(const VectorCollection& collection, Trace& trace) const;
  // The L2-normalised embedding of an image, decoded once at the size the model needs.
  Result<std::vector<float>> EmbedImage(const VectorCollection& collection, const IngestedImage& image,
                                        Trace& trace) const;
  // The text embedding of the collection's CLIP text tower.
  Result<std::vector<float>> EmbedText(const VectorCollection& collection, const std::string& text, Trace& trace) const;

  // --- near-duplicates --------------------------------------------------------------------------
  // The duplicate detector of `collection` (loaded from iris.db on first use), for checks only.
  Result<std::shared_ptr<const DuplicateDetector>> Duplicates(const std::string& collection) const;
  // `image` checked against the duplicate index of `collection` (stage "duplicates"); `indexed` is how
  // many image items that index holds. kUnprocessable for an image the detector cannot use.
  struct DuplicateCheck {
    DuplicateReport report;
    std::size_t indexed = 0;
  };
  Result<DuplicateCheck> CheckDuplicates(const VectorCollection& collection, const IngestedImage& image,
                                         Trace& trace) const;
  // The pixels the duplicate detector works on (the image decoded with its shorter side >= 640).
  static Result<std::shared_ptr<const RgbImage>> DedupPixels(const IngestedImage& image, Trace& trace);

  // Snapshots every collection (a shutdown step; errors are logged, the logs still hold every write).
  void CheckpointAll();
  // The vector engine ("local", "qdrant", "milvus") and whether it answers (/readyz).
  std::string engine() const;
  Status PingEngine() const;

 private:
  Result<std::shared_ptr<VectorCollection>> Writable(const VectorCollection& collection) const;

  std::unique_ptr<CollectionStore> collections_;
  std::unique_ptr<SignatureStore> signatures_;  // before duplicates_, which reads it
  std::unique_ptr<CollectionDedupIndex> duplicates_;
  // Exclusive: creating or dropping a collection; shared: the store step of an item write (above).
  mutable std::shared_mutex lifecycle_;
  ModelRegistry& models_;  // resolves a collection's model by its catalog family (ModelRegistry::ImageEncoder)
  std::string default_model_;
};

}  // namespace iris::app
