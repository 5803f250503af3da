#include "products/product_catalog.h"

#include <charconv>
#include <cstdint>

#include "core/json_limits.h"
#include "net/http_url.h"

namespace iris {
namespace {

constexpr std::size_t kMaxIdBytes = 128;
constexpr std::int64_t kMaxListBytes = 16ll << 20;

std::string ReplaceAll(std::string text, std::string_view placeholder, std::string_view value) {
  for (std::size_t at = text.find(placeholder); at != std::string::npos;
       at = text.find(placeholder, at + value.size())) {
    text.replace(at, placeholder.size(), value);
  }
  return text;
}

std::string FillListUrl(const std::string& pattern, int page, int page_size) {
  const bool templated =
      pattern.find("{page}") != std::string::npos || pattern.find("{page_size}") != std::string::npos;
  if (templated) {
    return ReplaceAll(ReplaceAll(pattern, "{page_size}", std::to_string(page_size)), "{page}", std::to_string(page));
  }
  const char separator = pattern.find('?') == std::string::npos ? '?' : '&';
  return pattern + separator + "page=" + std::to_string(page) + "&page_size=" + std::to_string(page_size);
}

// The host of a configured URL (placeholders filled with sample values), or an error naming the setting.
Result<std::string> ConfiguredHost(const std::string& url, const char* setting) {
  auto parsed = HttpUrl::Parse(url);
  if (!parsed.ok()) return parsed.status().WithContext(setting);
  return parsed->host();
}

Result<std::string> IdField(const nlohmann::json& element) {
  for (const char* key : {"id", "product_id"}) {
    if (element.contains(key)) return ProductIdFromJson(element[key]);
  }
  return InvalidArgument("a product object has no 'id'");
}

std::string ImageField(const nlohmann::json& element) {
  for (const char* key : {"image_url", "image", "imageUrl"}) {
    if (element.contains(key) && element[key].is_string()) return element[key].get<std::string>();
  }
  return "";
}

}  // namespace

Status ValidateProductId(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdBytes) {
    return InvalidArgument("a product id must have 1 to " + std::to_string(kMaxIdBytes) + " characters");
  }
  for (char c : id) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return InvalidArgument("a product id may contain only letters, digits, '.', '_' and '-'");
  }
  if (id == "." || id == "..") return InvalidArgument("a product id cannot be '.' or '..'");
  return Status::Ok();
}

nlohmann::json ProductIdJson(const std::string& id) {
  if (id.empty() || id.size() > 18 || (id.size() > 1 && id[0] == '0')) return id;
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(id.data(), id.data() + id.size(), value);
  if (error != std::errc() || end != id.data() + id.size() || value < 0) return id;
  return value;
}

Result<std::string> ProductIdFromJson(const nlohmann::json& value) {
  std::string id;
  if (value.is_number_unsigned() || (value.is_number_integer() && value.get<std::int64_t>() >= 0)) {
    id = std::to_string(value.get<std::int64_t>());
  } else if (value.is_string()) {
    id = value.get<std::string>();
  } else {
    return InvalidArgument("a product id must be a non-negative integer or a string");
  }
  IRIS_RETURN_IF_ERROR(ValidateProductId(id));
  return id;
}

Result<std::vector<ProductRef>> ParseProductPage(std::string_view json_text) {
  Result<nlohmann::json> parsed = ParseBoundedJson(json_text);
  if (!parsed.ok()) return parsed.status().WithContext("the product list page");
  nlohmann::json page = std::move(parsed).value();
  if (page.is_discarded()) return InvalidArgument("the product list page is not JSON");
  const nlohmann::json* list = nullptr;
  if (page.is_array()) {
    list = &page;
  } else if (page.is_object()) {
    for (const char* key : {"products", "items", "data", "results"}) {
      if (page.contains(key) && page[key].is_array()) {
        list = &page[key];
        break;
      }
    }
  }
  if (list == nullptr) {
    return InvalidArgument("the product list page must be an array or hold one under products/items/data/results");
  }
  std::vector<ProductRef> out;
  out.reserve(list->size());
  for (const auto& element : *list) {
    ProductRef ref;
    if (element.is_object()) {
      IRIS_ASSIGN_OR_RETURN(ref.id, IdField(element));
      ref.image_url = ImageField(element);
    } else {
      IRIS_ASSIGN_OR_RETURN(ref.id, ProductIdFromJson(element));
    }
    out.push_back(std::move(ref));
  }
  return out;
}

Result<std::unique_ptr<ProductCatalog>> ProductCatalog::Create(const ProductsConfig& products,
                                                               const IngestConfig& ingest) {
  FetchOptions fetch = FetchOptionsFromConfig(ingest);
  fetch.transient_errors_unavailable = true;
  if (!products.image_url_template.empty()) {
    IRIS_ASSIGN_OR_RETURN(std::string host, ConfiguredHost(ReplaceAll(products.image_url_template, "{id}", "1"),
                                                           "products.image_url_template"));
    fetch.allow_hosts.push_back(host);
  }
  if (!products.list_url.empty()) {
    IRIS_ASSIGN_OR_RETURN(std::string host, ConfiguredHost(FillListUrl(products.list_url, 1, 1), "products.list_url"));
    fetch.allow_hosts.push_back(host);
  }
  return std::unique_ptr<ProductCatalog>(new ProductCatalog(products, ingest, std::move(fetch)));
}

ProductCatalog::ProductCatalog(const ProductsConfig& products, const IngestConfig& ingest, FetchOptions fetch)
    : image_url_template_(products.image_url_template),
      list_url_(products.list_url),
      fetch_options_(fetch),
      ingestor_(ingest, fetch),
      list_fetcher_([&] {
        FetchOptions list = fetch;
        list.max_bytes = kMaxListBytes;
        return list;
      }()) {}

Result<std::string> ProductCatalog::ImageUrl(const std::string& id) const {
  if (image_url_template_.empty()) {
    return FailedPrecondition(
        "products.image_url_template is not configured: send the product's image (multipart 'image' or "
        "'image_url') or configure where product images are");
  }
  IRIS_RETURN_IF_ERROR(ValidateProductId(id));
  return ReplaceAll(image_url_template_, "{id}", id);
}

Result<std::string> ProductCatalog::ListUrl(int page, int page_size) const {
  if (list_url_.empty()) return FailedPrecondition("products.list_url is not configured: generate-all needs it");
  return FillListUrl(list_url_, page, page_size);
}

Result<std::vector<ProductRef>> ProductCatalog::FetchPage(int page, int page_size) const {
  IRIS_ASSIGN_OR_RETURN(std::string url, ListUrl(page, page_size));
  auto fetched = list_fetcher_.Fetch(url);
  if (!fetched.ok()) return fetched.status().WithContext("product list page " + std::to_string(page));
  auto parsed = ParseProductPage(fetched->body);
  if (!parsed.ok()) return parsed.status().WithContext("product list page " + std::to_string(page));
  return parsed;
}

}  // namespace iris
