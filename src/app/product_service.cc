#include "app/product_service.h"

#include <algorithm>

#include "app/product_jobs.h"

namespace iris::app {
namespace {

const nlohmann::json kOneSucceeded = {{"succeeded", 1}, {"failed", 0}, {"not_run", 0}};

// Numbers in numeric order first, then the other ids in lexicographic order.
void SortProductIds(std::vector<std::string>& ids) {
  std::sort(ids.begin(), ids.end(), [](const std::string& a, const std::string& b) {
    const nlohmann::json ja = ProductIdJson(a), jb = ProductIdJson(b);
    if (ja.is_number() != jb.is_number()) return ja.is_number();
    if (ja.is_number()) return ja.get<std::int64_t>() < jb.get<std::int64_t>();
    return a < b;
  });
}

}  // namespace

ProductService::ProductService(CollectionService& collections, std::unique_ptr<ProductCatalog> catalog,
                               ProductsConfig config, const std::string& default_model, JobRunner& jobs)
    : collections_(collections), catalog_(std::move(catalog)), config_(std::move(config)), jobs_(jobs) {
  if (config_.model.empty()) config_.model = default_model;
}

Result<std::shared_ptr<const VectorCollection>> ProductService::Collection() {
  return collections_.GetOrCreate(config_.collection, config_.model);
}

Result<std::shared_ptr<const VectorCollection>> ProductService::CollectionIfAny() const {
  return collections_.GetIfAny(config_.collection);
}

Status ProductService::Index(const VectorCollection& collection, const std::string& product_id,
                             const IngestedImage& image, const std::string& image_url, const std::string& source,
                             Trace& trace) {
  nlohmann::json metadata = {{"product_id", ProductIdJson(product_id)},
                             {"image_url", image_url.empty() ? nlohmann::json() : nlohmann::json(image_url)},
                             {"source", source}};
  return collections_.UpsertImage(collection, product_id, image, std::move(metadata), trace);
}

Result<ProductWrite> ProductService::Store(const std::string& product_id, std::shared_ptr<IngestedImage> upload,
                                           Trace& trace) {
  IRIS_ASSIGN_OR_RETURN(auto collection, Collection());
  std::shared_ptr<IngestedImage> image = std::move(upload);
  std::string image_url, source;
  if (image) {
    // Image inputs name an upload "uploaded:<file name>" and a fetched image by its URL.
    source = image->source().starts_with("uploaded:") ? "upload" : "url";
    if (source == "url") image_url = image->source();
  } else {
    ScopedStage stage(trace, "fetch");
    IRIS_ASSIGN_OR_RETURN(image, FetchImage(product_id, ""));
    image_url = image->source();
    source = "catalog";
  }
  IRIS_RETURN_IF_ERROR(Index(*collection, product_id, *image, image_url, source, trace));
  ProductWrite write;
  IRIS_ASSIGN_OR_RETURN(write.task_id,
                        jobs_.store().RecordFinished(
                            {kGenerateBatchJob, {{"synchronous", true}}, {ProductItem(product_id)}}, kOneSucceeded));
  IRIS_ASSIGN_OR_RETURN(write.count, collection->Count());
  return write;
}

Result<ProductWrite> ProductService::Delete(const std::string& product_id) {
  IRIS_ASSIGN_OR_RETURN(auto collection, CollectionIfAny());
  const Status deleted = collection ? collections_.Delete(*collection, product_id) : NotFound("");
  if (deleted.code() == StatusCode::kNotFound) return NotFound("product " + product_id + " has no embedding");
  IRIS_RETURN_IF_ERROR(deleted);
  ProductWrite write;
  IRIS_ASSIGN_OR_RETURN(
      write.task_id, jobs_.store().RecordFinished({"products.delete", {}, {ProductItem(product_id)}}, kOneSucceeded));
  IRIS_ASSIGN_OR_RETURN(write.count, collection->Count());
  return write;
}

Result<std::shared_ptr<IngestedImage>> ProductService::FetchImage(const std::string& product_id,
                                                                  const std::string& image_url) const {
  std::string url = image_url;
  if (url.empty()) {
    IRIS_ASSIGN_OR_RETURN(url, catalog_->ImageUrl(product_id));
  }
  auto image = catalog_->ingestor().FromUrl(url);
  if (!image.ok()) return image.status().WithContext("product " + product_id);
  return image;
}

Result<std::string> ProductService::SubmitBatch(const std::vector<std::string>& product_ids) {
  if (!catalog_->has_image_template()) {
    return FailedPrecondition(
        "products.image_url_template is not configured: generate-batch fetches product images from it");
  }
  IRIS_RETURN_IF_ERROR(Collection().status());
  std::vector<std::string> items;
  items.reserve(product_ids.size());
  for (const std::string& id : product_ids) items.push_back(ProductItem(id));
  return jobs_.Submit({kGenerateBatchJob, {}, std::move(items)});
}

Result<std::string> ProductService::SubmitAll(int start_page, int page_size) {
  if (!catalog_->has_list()) {
    return FailedPrecondition("products.list_url is not configured: generate-all pages through it");
  }
  IRIS_RETURN_IF_ERROR(Collection().status());
  return jobs_.Submit(
      {kGenerateAllJob, {{"start_page", start_page}, {"page_size", page_size}}, {PageItem(start_page)}});
}

Result<std::vector<std::string>> ProductService::Ids() const {
  IRIS_ASSIGN_OR_RETURN(auto collection, CollectionIfAny());
  std::vector<std::string> ids;
  if (collection) {
    IRIS_ASSIGN_OR_RETURN(std::size_t count, collection->Count());
    IRIS_ASSIGN_OR_RETURN(ids, collection->ListIds(0, count));
  }
  SortProductIds(ids);
  return ids;
}

Result<std::size_t> ProductService::Count() const {
  IRIS_ASSIGN_OR_RETURN(auto collection, CollectionIfAny());
  if (!collection) return std::size_t{0};
  return collection->Count();
}

Result<bool> ProductService::Has(const std::string& product_id) const {
  IRIS_ASSIGN_OR_RETURN(auto collection, CollectionIfAny());
  if (!collection) return false;
  return collection->Contains(product_id);
}

Result<std::vector<CollectionHit>> ProductService::SimilarTo(const std::string& product_id, int top_n,
                                                             std::optional<float> threshold, Trace& trace) const {
  IRIS_ASSIGN_OR_RETURN(auto collection, CollectionIfAny());
  auto item = collection ? collection->Get(product_id) : Result<CollectionItem>(NotFound(""));
  if (item.status().code() == StatusCode::kNotFound) return NotFound("product " + product_id + " has no embedding");
  IRIS_RETURN_IF_ERROR(item.status());
  SearchFilter filter;
  filter.exclude_id = product_id;
  ScopedStage stage(trace, "search");
  return collection->Search(item->vector, top_n, filter, threshold);
}

Result<std::vector<CollectionHit>> ProductService::SimilarToImage(const IngestedImage& image, int top_n,
                                                                  std::optional<float> threshold, Trace& trace) const {
  IRIS_ASSIGN_OR_RETURN(auto collection, CollectionIfAny());
  if (!collection) {
    IRIS_RETURN_IF_ERROR(image.CheckDecodes());  // a bad image is still refused
    return std::vector<CollectionHit>();
  }
  IRIS_ASSIGN_OR_RETURN(std::vector<float> query, collections_.EmbedImage(*collection, image, trace));
  ScopedStage stage(trace, "search");
  return collection->Search(query, top_n, {}, threshold);
}

nlohmann::json ProductService::ImageUrl(const std::string& product_id, const nlohmann::json& metadata) const {
  if (metadata.is_object() && metadata.contains("image_url") && metadata["image_url"].is_string()) {
    return metadata["image_url"];
  }
  auto url = catalog_->ImageUrl(product_id);
  if (url.ok()) return *url;
  return nullptr;
}

}  // namespace iris::app
