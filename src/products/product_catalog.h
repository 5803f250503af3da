// ProductCatalog: where the seed-002 product routes get product images and the product list from.
//
//   * Product ids are [A-Za-z0-9._-]{1,128} (the seed used integers; strings such as SKUs work too),
//     so they can be put into URLs as they are. ValidateProductId says why an id is refused.
//   * A product's image URL is products.image_url_template with "{id}" replaced.
//   * The product list (for generate-all) is products.list_url with "{page}" and "{page_size}"
//     replaced; without those placeholders "page=N&page_size=M" are appended as query parameters.
//     Pages are numbered from 1. A page is JSON (ParseProductPage): an array, or an object holding the
//     array under "products", "items", "data" or "results"; each element is an id (number or string)
//     or an object with "id" (or "product_id") and optionally an image URL under "image_url",
//     "image" or "imageUrl". A page with fewer elements than page_size is the last.
//   * The hosts of the two configured URLs are trusted by the operator: they may be private
//     (e.g. a catalog service on the internal network) without being listed in
//     ingest.fetch_allow_hosts. Image URLs supplied by clients or found in the list are checked
//     like any other URL.
//   * Fetches made here report failures worth retrying (timeouts, connection errors, HTTP 408/429/5xx)
//     as kUnavailable, so background jobs retry them; a 404 or a bad answer is kInvalidArgument.
//
// Errors: kFailedPrecondition when the needed URL is not configured (the message names the
// setting); kInvalidArgument for a bad id or a page that is not the JSON described above (including
// a page nested deeper than kMaxJsonDepth, core/json_limits.h, which is refused unparsed).
// Thread-safety: immutable after construction; every method may be called concurrently.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/result.h"
#include "ingest/image_ingestor.h"
#include "net/url_fetcher.h"

namespace iris {

struct ProductRef {
  std::string id;
  std::string image_url;  // from the list; empty: use the image URL template
};

Status ValidateProductId(std::string_view id);

// The id as the seed's clients expect it in JSON: a number when it is a canonical decimal integer
// (no sign, no leading zero, fits in int64), otherwise the string.
nlohmann::json ProductIdJson(const std::string& id);

// A product id from JSON: a non-negative integer or a string (validated).
Result<std::string> ProductIdFromJson(const nlohmann::json& value);

// Parses one page of the product list (see above). Invalid elements make the page invalid.
Result<std::vector<ProductRef>> ParseProductPage(std::string_view json_text);

class ProductCatalog {
 public:
  // kInvalidArgument when a configured URL is not an http(s) URL once its placeholders are filled.
  static Result<std::unique_ptr<ProductCatalog>> Create(const ProductsConfig& products, const IngestConfig& ingest);

  bool has_image_template() const { return !image_url_template_.empty(); }
  bool has_list() const { return !list_url_.empty(); }

  Result<std::string> ImageUrl(const std::string& id) const;
  Result<std::string> ListUrl(int page, int page_size) const;
  // Fetches and parses page `page` (1-based) of the product list.
  Result<std::vector<ProductRef>> FetchPage(int page, int page_size) const;

  // Fetches product images (trusting the configured hosts; transient failures kUnavailable).
  const ImageIngestor& ingestor() const { return ingestor_; }

 private:
  ProductCatalog(const ProductsConfig& products, const IngestConfig& ingest, FetchOptions fetch);

  std::string image_url_template_;
  std::string list_url_;
  FetchOptions fetch_options_;
  ImageIngestor ingestor_;
  UrlFetcher list_fetcher_;
};

}  // namespace iris
