// The seed-002 ("Fashion Image Processor") product routes, on the collection named by
// products.collection (created on first write with products.model, cosine):
//   GET    /embeddings/check/{id}         {product_id, has_embedding}
//   GET    /embeddings/products           {products: [ids]} (numbers stay numbers), optional offset/limit
//   GET    /embeddings/count              {count}
//   POST   /embeddings/product/{id}       embed the product now (image: multipart 'image'/'file', or
//   PUT    /embeddings/product/{id}       image_url, or the product image URL template); answers
//                                         {task_id, status: "succeeded", product_id, count}
//   DELETE /embeddings/product/{id}       404 when it has no embedding
//   POST   /embeddings/generate-batch     {"product_ids": [...]} -> a background job {task_id, status}
//   POST   /embeddings/generate-all       ?start_page&batch_size: pages through products.list_url in a job
//   GET    /similar-products/{id}         ?top_n (10) & score_threshold: the product itself is excluded
//   POST   /similar-products/upload       form field 'image' (or 'file', or image_url)
// similarity_score is the cosine similarity (1 = same direction, higher = more similar);
// score_threshold keeps hits with similarity_score >= it (default: no threshold). See
// docs/products.md and, for what differs from the seed, docs/compat.md.
#include <algorithm>
#include <charconv>
#include <cmath>

#include "api/image_input.h"
#include "api/openapi_schemas.h"
#include "api/routes.h"

namespace iris::api {
namespace {

const nlohmann::json kNoBody = nlohmann::json::object();  // these settings come from the query

constexpr int kDefaultTopN = 10;
constexpr std::size_t kMaxBatchProducts = 10'000;
constexpr int kMaxPageSize = 1000;

Result<std::string> PathProductId(RequestContext& ctx) {
  std::string id = ctx.PathParam("id");
  Status valid = ValidateProductId(id);
  if (!valid.ok()) return Unprocessable(valid.message());
  return id;
}

Result<std::optional<float>> ScoreThreshold(const httplib::Request& req) {
  if (!req.has_param("score_threshold")) return std::optional<float>();
  const std::string text = req.get_param_value("score_threshold");
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(value)) {
    return Unprocessable("'score_threshold' must be a number (a minimum cosine similarity, -1..1)");
  }
  return std::optional<float>(static_cast<float>(value));
}

nlohmann::json SimilarJson(const app::ProductService& products, const std::vector<CollectionHit>& hits) {
  nlohmann::json out = nlohmann::json::array();
  for (const CollectionHit& hit : hits) {
    out.push_back({{"id", ProductIdJson(hit.id)},
                   {"similarity_score", hit.similarity},
                   {"image_url", products.ImageUrl(hit.id, hit.metadata)}});
  }
  return out;
}

nlohmann::json WriteJson(const std::string& id, const app::ProductWrite& write) {
  return {
      {"task_id", write.task_id}, {"status", "succeeded"}, {"product_id", ProductIdJson(id)}, {"count", write.count}};
}

Result<HttpResponse> CheckProduct(const app::ProductService& products, RequestContext& ctx) {
  IRIS_ASSIGN_OR_RETURN(std::string id, PathProductId(ctx));
  IRIS_ASSIGN_OR_RETURN(bool has, products.Has(id));
  return HttpResponse::Json({{"product_id", ProductIdJson(id)}, {"has_embedding", has}});
}

Result<HttpResponse> ListProducts(const app::ProductService& products, const httplib::Request& req) {
  IRIS_ASSIGN_OR_RETURN(long long offset, IntSetting(req, kNoBody, "offset", 0, 0, 1'000'000'000'000LL));
  IRIS_ASSIGN_OR_RETURN(long long limit, IntSetting(req, kNoBody, "limit", -1, 1, 1'000'000'000'000LL));
  IRIS_ASSIGN_OR_RETURN(std::vector<std::string> ids, products.Ids());
  nlohmann::json out = nlohmann::json::array();
  const auto first = std::min<std::size_t>(ids.size(), static_cast<std::size_t>(offset));
  const auto last = limit < 0 ? ids.size() : std::min<std::size_t>(ids.size(), first + limit);
  for (std::size_t i = first; i < last; ++i) out.push_back(ProductIdJson(ids[i]));
  return HttpResponse::Json({{"products", out}});
}

Result<HttpResponse> CountProducts(const app::ProductService& products) {
  IRIS_ASSIGN_OR_RETURN(std::size_t count, products.Count());
  return HttpResponse::Json({{"count", count}});
}

Result<HttpResponse> StoreProduct(app::ProductService& products, const ImageIngestor& ingestor,
                                  const httplib::Request& req, RequestContext& ctx) {
  IRIS_ASSIGN_OR_RETURN(std::string id, PathProductId(ctx));
  IRIS_ASSIGN_OR_RETURN(nlohmann::json body, JsonBody(req));
  IRIS_RETURN_IF_ERROR(products.Collection().status());  // the model is checked before the image is read
  std::shared_ptr<IngestedImage> image;
  if (HasImageInput(req, body)) {
    IRIS_ASSIGN_OR_RETURN(image, ReadImageInput(req, ctx, ingestor));
  }
  IRIS_ASSIGN_OR_RETURN(app::ProductWrite write, products.Store(id, std::move(image), ctx));
  return HttpResponse::Json(WriteJson(id, write));
}

Result<HttpResponse> DeleteProduct(app::ProductService& products, RequestContext& ctx) {
  IRIS_ASSIGN_OR_RETURN(std::string id, PathProductId(ctx));
  IRIS_ASSIGN_OR_RETURN(app::ProductWrite write, products.Delete(id));
  nlohmann::json reply = WriteJson(id, write);
  reply["deleted"] = true;
  return HttpResponse::Json(reply);
}

Result<HttpResponse> GenerateBatch(app::ProductService& products, const httplib::Request& req) {
  IRIS_ASSIGN_OR_RETURN(nlohmann::json body, JsonBody(req));
  if (!body.contains("product_ids") || !body["product_ids"].is_array() || body["product_ids"].empty()) {
    return Unprocessable("'product_ids' must be a non-empty array of product ids");
  }
  if (body["product_ids"].size() > kMaxBatchProducts) {
    return Unprocessable("at most " + std::to_string(kMaxBatchProducts) + " product ids per batch");
  }
  std::vector<std::string> ids;
  for (const auto& value : body["product_ids"]) {
    auto id = ProductIdFromJson(value);
    if (!id.ok()) return Unprocessable("product_ids: " + id.status().message());
    ids.push_back(*id);
  }
  IRIS_ASSIGN_OR_RETURN(std::string task_id, products.SubmitBatch(ids));
  return HttpResponse::Json({{"task_id", task_id}, {"status", "queued"}});
}

Result<HttpResponse> GenerateAll(app::ProductService& products, const httplib::Request& req) {
  IRIS_ASSIGN_OR_RETURN(long long start_page, IntSetting(req, kNoBody, "start_page", 1, 1, 1'000'000'000));
  IRIS_ASSIGN_OR_RETURN(long long batch_size,
                        IntSetting(req, kNoBody, "batch_size", products.config().page_size, 1, kMaxPageSize));
  IRIS_ASSIGN_OR_RETURN(std::string task_id,
                        products.SubmitAll(static_cast<int>(start_page), static_cast<int>(batch_size)));
  return HttpResponse::Json({{"task_id", task_id}, {"status", "queued"}});
}

Result<HttpResponse> SimilarToProduct(const app::ProductService& products, const httplib::Request& req,
                                      RequestContext& ctx) {
  IRIS_ASSIGN_OR_RETURN(std::string id, PathProductId(ctx));
  IRIS_ASSIGN_OR_RETURN(long long top_n, IntSetting(req, kNoBody, "top_n", kDefaultTopN, 1, kMaxTopN));
  IRIS_ASSIGN_OR_RETURN(std::optional<float> threshold, ScoreThreshold(req));
  IRIS_ASSIGN_OR_RETURN(auto hits, products.SimilarTo(id, static_cast<int>(top_n), threshold, ctx));
  return HttpResponse::Json({{"product_id", ProductIdJson(id)}, {"similar_products", SimilarJson(products, hits)}});
}

Result<HttpResponse> SimilarToUpload(const app::ProductService& products, const ImageIngestor& ingestor,
                                     const httplib::Request& req, RequestContext& ctx) {
  IRIS_ASSIGN_OR_RETURN(long long top_n, IntSetting(req, kNoBody, "top_n", kDefaultTopN, 1, kMaxTopN));
  IRIS_ASSIGN_OR_RETURN(std::optional<float> threshold, ScoreThreshold(req));
  IRIS_ASSIGN_OR_RETURN(auto image, ReadImageInput(req, ctx, ingestor));
  IRIS_ASSIGN_OR_RETURN(auto hits, products.SimilarToImage(*image, static_cast<int>(top_n), threshold, ctx));
  return HttpResponse::Json({{"similar_products", SimilarJson(products, hits)}});
}

nlohmann::json TaskReply() {
  return {{"type", "object"},
          {"properties",
           {{"task_id", {{"type", "string"}, {"description", "GET /tasks/{task_id} for progress"}}},
            {"status", {{"type", "string"}}}}}};
}

nlohmann::json SimilarReply() {
  return {{"type", "object"},
          {"properties",
           {{"similar_products",
             {{"type", "array"},
              {"items",
               {{"type", "object"},
                {"properties",
                 {{"id", {{"description", "product id (a number when numeric)"}}},
                  {"similarity_score", {{"type", "number"}, {"description", "cosine similarity, higher = closer"}}},
                  {"image_url", {{"type", "string"}, {"nullable", true}}}}}}}}}}}};
}

}  // namespace

Status RegisterProductRoutes(Router& router, std::shared_ptr<app::ProductService> products,
                             std::shared_ptr<const ImageIngestor> ingestor) {
  const nlohmann::json top_n_schema = {{"type", "integer"}, {"minimum", 1}, {"maximum", kMaxTopN}};
  const nlohmann::json threshold_schema = {{"type", "number"}};

  IRIS_RETURN_IF_ERROR(router.Add(
      RouteSpec::Get("/embeddings/check/{id}")
          .Summary("Whether a product has an embedding")
          .Tag("products")
          .Returns(
              200, "Answer", "application/json",
              {{"type", "object"},
               {"properties", {{"product_id", nlohmann::json::object()}, {"has_embedding", {{"type", "boolean"}}}}}}),
      [products](const httplib::Request&, RequestContext& ctx) { return CheckProduct(*products, ctx); }));

  IRIS_RETURN_IF_ERROR(router.Add(
      RouteSpec::Get("/embeddings/products")
          .Summary("Ids of the products that have embeddings")
          .Description("Numeric ids come back as numbers, in numeric order, then the other ids. Without limit, "
                       "every id.")
          .Tag("products")
          .Query("offset", "ids to skip (default 0)", {{"type", "integer"}, {"minimum", 0}})
          .Query("limit", "ids to return (default: all)", {{"type", "integer"}, {"minimum", 1}})
          .Returns(200, "Ids", "application/json",
                   {{"type", "object"}, {"properties", {{"products", {{"type", "array"}}}}}}),
      [products](const httplib::Request& req, RequestContext&) { return ListProducts(*products, req); }));

  IRIS_RETURN_IF_ERROR(
      router.Add(RouteSpec::Get("/embeddings/count")
                     .Summary("Number of products with embeddings")
                     .Tag("products")
                     .Returns(200, "Count", "application/json",
                              {{"type", "object"}, {"properties", {{"count", {{"type", "integer"}}}}}}),
                 [products](const httplib::Request&, RequestContext&) { return CountProducts(*products); }));

  const nlohmann::json stored_reply = {{"type", "object"},
                                       {"properties",
                                        {{"task_id", {{"type", "string"}}},
                                         {"status", {{"type", "string"}}},
                                         {"product_id", nlohmann::json::object()},
                                         {"count", {{"type", "integer"}}}}}};
  for (const bool put : {false, true}) {
    RouteSpec spec = put ? RouteSpec::Put("/embeddings/product/{id}") : RouteSpec::Post("/embeddings/product/{id}");
    IRIS_RETURN_IF_ERROR(router.Add(
        spec.Summary(put ? "Re-embed a product (same as POST)" : "Embed a product now")
            .Description("The image is the request's (multipart 'image' or 'file', or image_url in the query or "
                         "a JSON body) or else fetched from products.image_url_template. The work is done before "
                         "the answer; task_id names a finished task (GET /tasks/{task_id}). Catalog failures: 404 "
                         "and other refusals are 400, 5xx/timeouts 503.")
            .Tag("products")
            .Body("multipart/form-data", ImageUploadSchema(), "the product image (optional)", /*is_required=*/false)
            .Returns(200, "Stored", "application/json", stored_reply),
        [products, ingestor](const httplib::Request& req, RequestContext& ctx) {
          return StoreProduct(*products, *ingestor, req, ctx);
        }));
  }

  IRIS_RETURN_IF_ERROR(
      router.Add(RouteSpec::Delete("/embeddings/product/{id}")
                     .Summary("Delete a product's embedding")
                     .Tag("products")
                     .Returns(200, "Deleted", "application/json", stored_reply),
                 [products](const httplib::Request&, RequestContext& ctx) { return DeleteProduct(*products, ctx); }));

  IRIS_RETURN_IF_ERROR(router.Add(
      RouteSpec::Post("/embeddings/generate-batch")
          .Summary("Embed several products in a background job")
          .Description("Images come from products.image_url_template. Poll GET /tasks/{task_id}; failed products "
                       "are listed in its errors (transient catalog failures are retried first).")
          .Tag("products")
          .Body("application/json",
                {{"type", "object"},
                 {"required", {"product_ids"}},
                 {"properties", {{"product_ids", {{"type", "array"}, {"maxItems", kMaxBatchProducts}}}}}})
          .Returns(200, "Queued", "application/json", TaskReply()),
      [products](const httplib::Request& req, RequestContext&) { return GenerateBatch(*products, req); }));

  IRIS_RETURN_IF_ERROR(router.Add(
      RouteSpec::Post("/embeddings/generate-all")
          .Summary("Embed every product of the product list in a background job")
          .Description("Pages through products.list_url from start_page, batch_size products a page, until a page "
                       "has fewer; progress.total grows as pages are read.")
          .Tag("products")
          .Query("start_page", "first page (default 1)", {{"type", "integer"}, {"minimum", 1}})
          .Query("batch_size", "products per page (default products.page_size)",
                 {{"type", "integer"}, {"minimum", 1}, {"maximum", kMaxPageSize}})
          .Returns(200, "Queued", "application/json", TaskReply()),
      [products](const httplib::Request& req, RequestContext&) { return GenerateAll(*products, req); }));

  IRIS_RETURN_IF_ERROR(router.Add(
      RouteSpec::Get("/similar-products/{id}")
          .Summary("Products most similar to a product (itself excluded)")
          .Tag("products")
          .Query("top_n", "how many (default 10)", top_n_schema)
          .Query("score_threshold", "keep similarity_score >= this (cosine, -1..1; default none)", threshold_schema)
          .Returns(200, "Most similar first", "application/json", SimilarReply()),
      [products](const httplib::Request& req, RequestContext& ctx) { return SimilarToProduct(*products, req, ctx); }));

  return router.Add(
      RouteSpec::Post("/similar-products/upload")
          .ComputeOnly()
          .Summary("Products most similar to an uploaded image")
          .Tag("products")
          .Query("top_n", "how many (default 10)", top_n_schema)
          .Query("score_threshold", "keep similarity_score >= this (cosine, -1..1; default none)", threshold_schema)
          .Body("multipart/form-data", ImageUploadSchema())
          .Returns(200, "Most similar first", "application/json", SimilarReply()),
      [products, ingestor](const httplib::Request& req, RequestContext& ctx) {
        return SimilarToUpload(*products, *ingestor, req, ctx);
      });
}

}  // namespace iris::api
