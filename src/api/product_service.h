// The product side of the seed-002 routes, shared by the routes (routes_products.cc) and the
// background jobs that index products (product_jobs.cc):
//
//   * ProductCollection: the collection named by products.collection, created on first use
//     (products.model, cosine), so the model is checked before any work is
//     queued: a model that is not installed is the registry's error naming `iris models pull`
//     (kFailedPrecondition, 409). ProductCollectionIfAny is for readers: nullptr before the first
//     product was stored (nothing is created).
//   * IndexProduct: stores one product: its image embedded with the collection's model, its
//     near-duplicate signature, and metadata {product_id, image_url, source}. `image_url` is where
//     the image came from ("" for an upload).
//   * FetchProductImage: the product's image from `image_url`, or from the image URL template when
//     empty (the catalog's ingestor: configured hosts trusted, retryable failures kUnavailable).
//   * ProductImageUrl: what similar-products reports for a hit: the stored image_url, else the
//     template's URL, else null.
//
// Thread-safety: as the services used (all thread-safe).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "api/app_services.h"
#include "api/request_context.h"

namespace iris::api {

Result<std::shared_ptr<DurableCollection>> ProductCollection(AppServices& services);
Result<std::shared_ptr<DurableCollection>> ProductCollectionIfAny(AppServices& services);

Status IndexProduct(AppServices& services, DurableCollection& collection, const std::string& product_id,
                    const IngestedImage& image, const std::string& image_url, const std::string& source,
                    RequestContext& ctx);

Result<std::shared_ptr<IngestedImage>> FetchProductImage(AppServices& services, const std::string& product_id,
                                                         const std::string& image_url);

nlohmann::json ProductImageUrl(const AppServices& services, const std::string& product_id,
                               const nlohmann::json& metadata);

}  // namespace iris::api
