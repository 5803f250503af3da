// ProductService: the product side of the seed-002 routes, on the collection named by
// products.collection (products.model, cosine), written through the collection service. Used by
// the product routes (api/routes_products.cc) and the product jobs (app/product_jobs.h).
//
//   * Collection: created on first use, so the model is checked before any work is queued: a model
//     that is not installed is the registry's error naming `iris models pull` (kFailedPrecondition,
//     409). CollectionIfAny is for readers: nullptr before the first product was stored.
//   * Index: stores one product: its image embedded with the collection's model, its near-duplicate
//     signature, and metadata {product_id, image_url, source}. `image_url` is where the image came
//     from ("" for an upload). Store is Index for the synchronous routes, recorded as a finished
//     task; Delete likewise (kNotFound "product X has no embedding").
//   * FetchImage: the product's image from `image_url`, or from the image URL template when empty
//     (the catalog's ingestor: configured hosts trusted, retryable failures kUnavailable).
//   * SubmitBatch / SubmitAll: queue the background jobs (app/product_jobs.h); kFailedPrecondition
//     when the catalog setting they need (image URL template, product list) is not configured.
//   * SimilarTo / SimilarToImage: nearest products (the product itself excluded), similarity >=
//     threshold when given; ImageUrl is what a hit reports: the stored image_url, else the
//     template's URL, else null.
//
// Thread-safety: every method is thread-safe.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "app/collection_service.h"
#include "core/config.h"
#include "jobs/job_runner.h"
#include "products/product_catalog.h"

namespace iris::app {

// A synchronous product write, recorded as a finished task (GET /tasks/{task_id}).
struct ProductWrite {
  std::string task_id;
  std::size_t count = 0;  // products with embeddings after the write
};

class ProductService {
 public:
  // `config.model` empty: `default_model` (models.default_clip).
  ProductService(CollectionService& collections, std::unique_ptr<ProductCatalog> catalog, ProductsConfig config,
                 const std::string& default_model, JobRunner& jobs);

  const ProductsConfig& config() const { return config_; }
  const ProductCatalog& catalog() const { return *catalog_; }
  // True when `collection` is the product collection.
  bool IsProductCollection(const std::string& collection) const { return collection == config_.collection; }

  Result<std::shared_ptr<const VectorCollection>> Collection();
  Result<std::shared_ptr<const VectorCollection>> CollectionIfAny() const;

  Status Index(const VectorCollection& collection, const std::string& product_id, const IngestedImage& image,
               const std::string& image_url, const std::string& source, Trace& trace);
  // Embeds the product now: `upload` when given (an upload, or an image fetched from a URL the caller
  // named), else the image fetched from the image URL template.
  Result<ProductWrite> Store(const std::string& product_id, std::shared_ptr<IngestedImage> upload, Trace& trace);
  Result<ProductWrite> Delete(const std::string& product_id);

  Result<std::shared_ptr<IngestedImage>> FetchImage(const std::string& product_id, const std::string& image_url) const;

  Result<std::string> SubmitBatch(const std::vector<std::string>& product_ids);
  Result<std::string> SubmitAll(int start_page, int page_size);

  // Ids of the products with embeddings: numbers in numeric order first, then the others.
  Result<std::vector<std::string>> Ids() const;
  Result<std::size_t> Count() const;
  Result<bool> Has(const std::string& product_id) const;
  Result<std::vector<CollectionHit>> SimilarTo(const std::string& product_id, int top_n, std::optional<float> threshold,
                                               Trace& trace) const;
  Result<std::vector<CollectionHit>> SimilarToImage(const IngestedImage& image, int top_n,
                                                    std::optional<float> threshold, Trace& trace) const;
  nlohmann::json ImageUrl(const std::string& product_id, const nlohmann::json& metadata) const;

 private:
  CollectionService& collections_;
  std::unique_ptr<ProductCatalog> catalog_;
  ProductsConfig config_;
  JobRunner& jobs_;
};

}  // namespace iris::app
