#include "api/product_service.h"

#include "api/collection_writer.h"

namespace iris::api {

Result<std::shared_ptr<DurableCollection>> ProductCollectionIfAny(AppServices& services) {
  auto existing = services.collections->Get(services.products_config.collection);
  if (!existing.ok() && existing.status().code() == StatusCode::kNotFound) return std::shared_ptr<DurableCollection>();
  return existing;
}

Result<std::shared_ptr<DurableCollection>> ProductCollection(AppServices& services) {
  const std::string& name = services.products_config.collection;
  auto existing = services.collections->Get(name);
  if (existing.ok() || existing.status().code() != StatusCode::kNotFound) return existing;

  const std::string& model_name = services.products_config.model;
  IRIS_ASSIGN_OR_RETURN(CollectionEmbedder model, LoadCollectionEmbedder(services, model_name));
  CollectionSpec spec;
  spec.model = model.name();
  spec.dim = model.dim();
  spec.metric = Metric::kCosine;
  auto created = services.collections->Create(name, spec);
  if (created.ok()) {
    IRIS_RETURN_IF_ERROR(services.duplicates->Forget(name));
    return created;
  }
  if (created.status().code() == StatusCode::kAlreadyExists) return services.collections->Get(name);  // a race
  return created.status();
}

Status IndexProduct(AppServices& services, DurableCollection& collection, const std::string& product_id,
                    const IngestedImage& image, const std::string& image_url, const std::string& source,
                    RequestContext& ctx) {
  nlohmann::json metadata = {{"product_id", ProductIdJson(product_id)},
                             {"image_url", image_url.empty() ? nlohmann::json() : nlohmann::json(image_url)},
                             {"source", source}};
  return UpsertImageItem(services, collection, product_id, image, std::move(metadata), ctx);
}

Result<std::shared_ptr<IngestedImage>> FetchProductImage(AppServices& services, const std::string& product_id,
                                                         const std::string& image_url) {
  std::string url = image_url;
  if (url.empty()) {
    IRIS_ASSIGN_OR_RETURN(url, services.products->ImageUrl(product_id));
  }
  auto image = services.products->ingestor().FromUrl(url);
  if (!image.ok()) return image.status().WithContext("product " + product_id);
  return image;
}

nlohmann::json ProductImageUrl(const AppServices& services, const std::string& product_id,
                               const nlohmann::json& metadata) {
  if (metadata.is_object() && metadata.contains("image_url") && metadata["image_url"].is_string()) {
    return metadata["image_url"];
  }
  auto url = services.products->ImageUrl(product_id);
  if (url.ok()) return *url;
  return nullptr;
}

}  // namespace iris::api
