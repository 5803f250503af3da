// Vector collections (CollectionManager over <data_dir>/collections):
//   POST   /v1/collections                          create {name, model, dim, metric, m, ef_construction, ef_search}
//   GET    /v1/collections                          list (described)
//   GET    /v1/collections/{name}                   describe: model, dim, metric, count
//   DELETE /v1/collections/{name}                   drop it and its files
//   PUT    /v1/collections/{name}/items/{id}        upsert: JSON {vector, metadata}, or an image (multipart
//                                                   file / image_url) embedded with the collection's model
//   GET    /v1/collections/{name}/items/{id}        the item (vector as stored: unit length for cosine)
//   DELETE /v1/collections/{name}/items/{id}
//   GET    /v1/collections/{name}/items             ids in lexicographic order, offset/limit
//   POST   /v1/collections/{name}/search            by vector, id, text or image; top_n, min_similarity, filter
//   POST   /v1/collections/{name}/duplicates        near-duplicates of an image among the items upserted with
//                                                   an image (app::CollectionService,
//                                                   dedup/collection_dedup_index.h: persisted in iris.db)
// Scores follow index/vector_metric.h: similarity higher = closer; distance = 1 - similarity for cosine
// and inner_product, Euclidean distance (similarity = -distance) for l2. Writes are durable when
// acknowledged (VectorCollection). Bad vectors, dimensions and parameters are 422.
#include <charconv>
#include <cmath>

#include "api/image_input.h"
#include "api/openapi_schemas.h"
#include "api/routes.h"
#include "api/text_limits.h"
#include "core/json_limits.h"

namespace iris::api {
namespace {

constexpr int kDefaultTopN = 10;
constexpr std::size_t kDefaultPageSize = 100;
constexpr std::size_t kMaxPageSize = 1000;
constexpr std::size_t kMaxIdBytes = 512;
constexpr const char* kExternal = app::kExternalModel;

// Argument errors of the index layer are about the request's content: 422, not 400.
Status AsUnprocessable(Status status) {
  if (status.code() == StatusCode::kInvalidArgument) return Unprocessable(status.message());
  return status;
}
template <typename T>
Result<T> AsUnprocessable(Result<T> result) {
  if (!result.ok()) return AsUnprocessable(result.status());
  return result;
}

Result<std::shared_ptr<const VectorCollection>> CollectionFor(const app::CollectionService& collections,
                                                              RequestContext& ctx) {
  return collections.Get(ctx.PathParam("name"));
}

Result<nlohmann::json> Describe(const VectorCollection& collection) {
  const auto& o = collection.description();
  IRIS_ASSIGN_OR_RETURN(std::size_t count, collection.Count());
  return nlohmann::json{{"name", o.name},
                        {"model", o.model},
                        {"dim", o.index.dim},
                        {"metric", MetricName(o.index.metric)},
                        {"count", count},
                        {"m", o.index.m},
                        {"ef_construction", o.index.ef_construction},
                        {"ef_search", o.index.ef_search},
                        {"created", o.created}};
}

Result<std::vector<float>> VectorFromJson(const nlohmann::json& value) {
  if (!value.is_array()) return Unprocessable("'vector' must be an array of numbers");
  std::vector<float> out;
  out.reserve(value.size());
  for (const auto& v : value) {
    if (!v.is_number()) return Unprocessable("'vector' must contain only numbers");
    out.push_back(v.get<float>());
  }
  return out;
}

Result<nlohmann::json> JsonObjectSetting(const httplib::Request& req, const nlohmann::json& body,
                                         const std::string& name) {
  if (body.contains(name) && !body[name].is_string()) {
    if (body[name].is_null()) return nlohmann::json::object();
    if (!body[name].is_object()) return Unprocessable("'" + name + "' must be a JSON object");
    return body[name];
  }
  auto text = RequestSetting(req, body, name);
  if (!text) return nlohmann::json::object();
  auto parsed = ParseBoundedJson(*text);
  if (!parsed.ok()) return parsed.status().WithContext("'" + name + "'");
  if (parsed->is_discarded() || !parsed->is_object()) return Unprocessable("'" + name + "' must be a JSON object");
  return std::move(parsed).value();
}

Result<std::optional<float>> FloatSetting(const httplib::Request& req, const nlohmann::json& body,
                                          const std::string& name) {
  auto text = RequestSetting(req, body, name);
  if (!text) return std::optional<float>();
  char* end = nullptr;
  const double value = std::strtod(text->c_str(), &end);
  if (text->empty() || end != text->c_str() + text->size() || !std::isfinite(value)) {
    return Unprocessable("'" + name + "' must be a number");
  }
  return std::optional<float>(static_cast<float>(value));
}

Result<std::vector<float>> EmbedImageInput(const app::CollectionService& collections, const ImageIngestor& ingestor,
                                           const VectorCollection& collection, const httplib::Request& req,
                                           RequestContext& ctx) {
  IRIS_ASSIGN_OR_RETURN(auto image, ReadImageInput(req, ctx, ingestor));
  return collections.EmbedImage(collection, *image, ctx);
}

// The optional 'model' of an upsert or a search (the model that made its vector, e.g. the "model" of
// a /v1/embeddings answer): 409 when it is not the collection's exact model and variant.
Status CheckRequestModel(const VectorCollection& collection, const httplib::Request& req, const nlohmann::json& body) {
  if (body.contains("model") && !body["model"].is_string()) return Unprocessable("'model' must be a string");
  return app::CollectionService::CheckSameModel(collection, RequestSetting(req, body, "model").value_or(""));
}

Result<std::string> ItemId(RequestContext& ctx) {
  std::string id = ctx.PathParam("id");
  if (id.empty() || id.size() > kMaxIdBytes) {
    return Unprocessable("item id must have 1 to " + std::to_string(kMaxIdBytes) + " bytes");
  }
  return id;
}

Result<HttpResponse> CreateCollection(app::CollectionService& collections, const httplib::Request& req) {
  IRIS_ASSIGN_OR_RETURN(nlohmann::json body, JsonBody(req));
  if (!body.contains("name") || !body["name"].is_string()) return Unprocessable("missing 'name' (a string)");
  const std::string name = body["name"].get<std::string>();
  IRIS_RETURN_IF_ERROR(AsUnprocessable(CollectionManager::ValidateName(name)));
  CollectionSpec spec;
  if (body.contains("model") && !body["model"].is_string()) return Unprocessable("'model' must be a string");
  spec.model = body.value("model", collections.default_model());
  if (body.contains("metric") && !body["metric"].is_string()) return Unprocessable("'metric' must be a string");
  const std::string metric = body.value("metric", std::string("cosine"));
  auto parsed_metric = metric == "ip" ? std::optional<Metric>(Metric::kInnerProduct) : ParseMetric(metric);
  if (!parsed_metric) return Unprocessable("'metric' must be cosine, inner_product (ip) or l2");
  spec.metric = *parsed_metric;
  std::optional<int> dim;
  if (body.contains("dim")) {
    IRIS_ASSIGN_OR_RETURN(long long requested, IntSetting(req, body, "dim", 0, 1, 65536));
    dim = static_cast<int>(requested);
  }
  IRIS_ASSIGN_OR_RETURN(long long m, IntSetting(req, body, "m", spec.m, 2, 100));
  IRIS_ASSIGN_OR_RETURN(long long efc, IntSetting(req, body, "ef_construction", spec.ef_construction, 1, 100000));
  IRIS_ASSIGN_OR_RETURN(long long efs, IntSetting(req, body, "ef_search", spec.ef_search, 1, 100000));
  spec.m = static_cast<int>(m);
  spec.ef_construction = static_cast<int>(efc);
  spec.ef_search = static_cast<int>(efs);
  IRIS_ASSIGN_OR_RETURN(auto collection, collections.Create(name, spec, dim));
  IRIS_ASSIGN_OR_RETURN(nlohmann::json described, Describe(*collection));
  return HttpResponse::Json(std::move(described), 201);
}

Result<HttpResponse> PutItem(app::CollectionService& collections, const ImageIngestor& ingestor,
                             const httplib::Request& req, RequestContext& ctx) {
  IRIS_ASSIGN_OR_RETURN(auto collection, CollectionFor(collections, ctx));
  IRIS_ASSIGN_OR_RETURN(std::string id, ItemId(ctx));
  IRIS_ASSIGN_OR_RETURN(nlohmann::json body, JsonBody(req));
  IRIS_ASSIGN_OR_RETURN(nlohmann::json metadata, JsonObjectSetting(req, body, "metadata"));
  IRIS_RETURN_IF_ERROR(CheckRequestModel(*collection, req, body));
  if (body.contains("vector")) {
    IRIS_ASSIGN_OR_RETURN(std::vector<float> vector, VectorFromJson(body["vector"]));
    IRIS_RETURN_IF_ERROR(collections.UpsertVector(*collection, id, vector, std::move(metadata)));
  } else if (HasImageInput(req, body)) {
    IRIS_ASSIGN_OR_RETURN(auto image, ReadImageInput(req, ctx, ingestor));
    IRIS_RETURN_IF_ERROR(collections.UpsertImage(*collection, id, *image, std::move(metadata), ctx));
  } else {
    return Unprocessable("give 'vector' (JSON) or an image (multipart 'file', or 'image_url')");
  }
  IRIS_ASSIGN_OR_RETURN(std::size_t count, collection->Count());
  return HttpResponse::Json({{"id", id}, {"collection", collection->description().name}, {"count", count}});
}

Result<HttpResponse> Search(const app::CollectionService& collections, const ImageIngestor& ingestor,
                            const httplib::Request& req, RequestContext& ctx) {
  IRIS_ASSIGN_OR_RETURN(auto collection, CollectionFor(collections, ctx));
  IRIS_ASSIGN_OR_RETURN(nlohmann::json body, JsonBody(req));
  IRIS_ASSIGN_OR_RETURN(long long top_n, IntSetting(req, body, "top_n", kDefaultTopN, 1, kMaxTopN));
  IRIS_ASSIGN_OR_RETURN(std::optional<float> min_similarity, FloatSetting(req, body, "min_similarity"));
  IRIS_ASSIGN_OR_RETURN(nlohmann::json filter_json, JsonObjectSetting(req, body, "filter"));
  SearchFilter filter;
  for (const auto& [field, value] : filter_json.items()) filter.metadata_equals.emplace(field, value);

  SearchMode mode = SearchMode::kAuto;
  if (const auto mode_text = RequestSetting(req, body, "search_mode")) {
    if (*mode_text == "graph") {
      mode = SearchMode::kGraph;
    } else if (*mode_text == "exact") {
      mode = SearchMode::kExact;
    } else if (*mode_text != "auto") {
      return Unprocessable("'search_mode' must be auto, graph or exact");
    }
  }
  const auto id = RequestSetting(req, body, "id");
  const auto text = RequestSetting(req, body, "text");
  const int sources =
      int(body.contains("vector")) + int(id.has_value()) + int(text.has_value()) + int(HasImageInput(req, body));
  if (sources != 1) return Unprocessable("give exactly one of 'vector', 'id', 'text' or an image");
  IRIS_RETURN_IF_ERROR(CheckRequestModel(*collection, req, body));
  std::vector<float> query;
  if (body.contains("vector")) {
    IRIS_ASSIGN_OR_RETURN(query, VectorFromJson(body["vector"]));
  } else if (id) {
    IRIS_ASSIGN_OR_RETURN(CollectionItem item, collection->Get(*id));
    query = std::move(item.vector);
    filter.exclude_id = *id;
  } else if (text) {
    IRIS_RETURN_IF_ERROR(CheckText(*text, "text"));
    IRIS_ASSIGN_OR_RETURN(query, collections.EmbedText(*collection, *text, ctx));
  } else {
    IRIS_ASSIGN_OR_RETURN(query, EmbedImageInput(collections, ingestor, *collection, req, ctx));
  }
  std::vector<CollectionHit> hits;
  {
    ScopedStage stage(ctx, "search");
    IRIS_ASSIGN_OR_RETURN(
        hits, AsUnprocessable(collection->Search(query, static_cast<int>(top_n), filter, min_similarity, mode)));
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& hit : hits) {
    out.push_back(
        {{"id", hit.id}, {"similarity", hit.similarity}, {"distance", hit.distance}, {"metadata", hit.metadata}});
  }
  return HttpResponse::Json({{"collection", collection->description().name},
                             {"metric", MetricName(collection->description().index.metric)},
                             {"hits", out}});
}

// The collection's own similarity between the query and a stored item (evidence only: it never decides).
std::optional<float> ItemSimilarity(const VectorCollection& collection, const std::vector<float>& query,
                                    const std::string& id) {
  if (query.empty()) return std::nullopt;
  auto item = collection.Get(id);
  if (!item.ok() || item->vector.size() != query.size()) return std::nullopt;
  float raw = 0;
  if (collection.description().index.metric == Metric::kL2) {
    for (std::size_t i = 0; i < query.size(); ++i) raw += (query[i] - item->vector[i]) * (query[i] - item->vector[i]);
  } else {
    float dot = 0;
    for (std::size_t i = 0; i < query.size(); ++i) dot += query[i] * item->vector[i];
    raw = 1 - dot;
  }
  return SimilarityFromRawDistance(collection.description().index.metric, raw).similarity;
}

nlohmann::json CandidateJson(const DuplicateCandidate& c, std::optional<float> similarity) {
  nlohmann::json out = {{"id", c.id},
                        {"duplicate", c.duplicate},
                        {"hash_distance", c.hash_distance},
                        {"view", c.view},
                        {"matches", c.matches},
                        {"inliers", c.inliers},
                        {"detail_correlation", c.detail_correlation},
                        {"similarity", nullptr},
                        {"reason", c.reason}};
  if (similarity) out["similarity"] = *similarity;
  return out;
}

Result<HttpResponse> Duplicates(const app::CollectionService& collections, const ImageIngestor& ingestor,
                                const httplib::Request& req, RequestContext& ctx) {
  IRIS_ASSIGN_OR_RETURN(auto collection, CollectionFor(collections, ctx));
  IRIS_ASSIGN_OR_RETURN(auto image, ReadImageInput(req, ctx, ingestor));
  IRIS_ASSIGN_OR_RETURN(auto check, collections.CheckDuplicates(*collection, *image, ctx));
  const DuplicateReport& report = check.report;
  std::vector<float> query;
  if (collection->description().model != kExternal && !report.candidates.empty()) {
    IRIS_ASSIGN_OR_RETURN(query, collections.EmbedImage(*collection, *image, ctx));
  }
  nlohmann::json duplicates = nlohmann::json::array();
  nlohmann::json candidates = nlohmann::json::array();
  for (const auto& c : report.candidates) {
    IRIS_ASSIGN_OR_RETURN(bool still_there, collection->Contains(c.id));
    if (!still_there) continue;  // deleted while its signature was being removed
    (c.duplicate ? duplicates : candidates).push_back(CandidateJson(c, ItemSimilarity(*collection, query, c.id)));
  }
  return HttpResponse::Json({{"collection", collection->description().name},
                             {"indexed", check.indexed},
                             {"duplicates", duplicates},
                             {"candidates", candidates}});
}

Result<HttpResponse> ListCollections(const app::CollectionService& collections) {
  nlohmann::json list = nlohmann::json::array();
  IRIS_ASSIGN_OR_RETURN(std::vector<std::string> names, collections.List());
  for (const auto& name : names) {
    auto collection = collections.Get(name);
    if (!collection.ok()) continue;  // dropped meanwhile
    auto described = Describe(**collection);
    if (described.ok()) {
      list.push_back(std::move(described).value());
    } else if (described.status().code() != StatusCode::kNotFound) {
      return described.status();
    }
  }
  return HttpResponse::Json({{"collections", list}});
}

Result<HttpResponse> DescribeCollection(const app::CollectionService& collections, RequestContext& ctx) {
  IRIS_ASSIGN_OR_RETURN(auto collection, collections.Get(ctx.PathParam("name")));
  IRIS_ASSIGN_OR_RETURN(nlohmann::json described, Describe(*collection));
  return HttpResponse::Json(std::move(described));
}

Result<HttpResponse> DropCollection(app::CollectionService& collections, RequestContext& ctx) {
  const std::string name = ctx.PathParam("name");
  IRIS_RETURN_IF_ERROR(collections.Drop(name));
  return HttpResponse::Json({{"deleted", name}});
}

Result<HttpResponse> GetItem(const app::CollectionService& collections, RequestContext& ctx) {
  IRIS_ASSIGN_OR_RETURN(auto collection, collections.Get(ctx.PathParam("name")));
  IRIS_ASSIGN_OR_RETURN(CollectionItem item, collection->Get(ctx.PathParam("id")));
  return HttpResponse::Json({{"id", item.id}, {"vector", item.vector}, {"metadata", item.metadata}});
}

Result<HttpResponse> DeleteItem(app::CollectionService& collections, RequestContext& ctx) {
  IRIS_ASSIGN_OR_RETURN(auto collection, collections.Get(ctx.PathParam("name")));
  const std::string id = ctx.PathParam("id");
  IRIS_RETURN_IF_ERROR(collections.Delete(*collection, id));
  IRIS_ASSIGN_OR_RETURN(std::size_t count, collection->Count());
  return HttpResponse::Json({{"deleted", id}, {"count", count}});
}

Result<HttpResponse> ListItems(const app::CollectionService& collections, const httplib::Request& req,
                               RequestContext& ctx) {
  IRIS_ASSIGN_OR_RETURN(auto collection, collections.Get(ctx.PathParam("name")));
  const nlohmann::json none = nlohmann::json::object();
  IRIS_ASSIGN_OR_RETURN(long long offset, IntSetting(req, none, "offset", 0, 0, 1'000'000'000'000LL));
  IRIS_ASSIGN_OR_RETURN(long long limit, IntSetting(req, none, "limit", kDefaultPageSize, 1, kMaxPageSize));
  IRIS_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                        collection->ListIds(static_cast<std::size_t>(offset), static_cast<std::size_t>(limit)));
  IRIS_ASSIGN_OR_RETURN(std::size_t count, collection->Count());
  return HttpResponse::Json({{"ids", ids}, {"offset", offset}, {"limit", limit}, {"count", count}});
}

}  // namespace

Status RegisterCollectionRoutes(Router& router, std::shared_ptr<app::CollectionService> collections,
                                std::shared_ptr<const ImageIngestor> ingestor) {
  const nlohmann::json collection_schema = {{"type", "object"},
                                            {"properties",
                                             {{"name", {{"type", "string"}}},
                                              {"model", {{"type", "string"}}},
                                              {"dim", {{"type", "integer"}}},
                                              {"metric", {{"type", "string"}}},
                                              {"count", {{"type", "integer"}}},
                                              {"m", {{"type", "integer"}}},
                                              {"ef_construction", {{"type", "integer"}}},
                                              {"ef_search", {{"type", "integer"}}},
                                              {"created", {{"type", "string"}}}}}};
  const nlohmann::json vector_schema = {{"type", "array"}, {"items", {{"type", "number"}}}};
  const nlohmann::json metadata_schema = {{"type", "object"}, {"description", "free JSON object"}};

  IRIS_RETURN_IF_ERROR(router.Add(
      RouteSpec::Post("/v1/collections")
          .Summary("Create a vector collection")
          .Description("model: \"external\" (the caller sends vectors; dim required), a CLIP model name "
                       "(default models.default_clip), or an image-only embedder (resnet50, dinov2-small...: no "
                       "text search); dim comes from the model. metric: cosine (default), "
                       "inner_product (ip) or l2. Name: [A-Za-z0-9_-]{1,64}. 409 if the name exists.")
          .Tag("collections")
          .Body("application/json",
                {{"type", "object"},
                 {"required", {"name"}},
                 {"properties",
                  {{"name", {{"type", "string"}, {"pattern", "^[A-Za-z0-9_-]{1,64}$"}}},
                   {"model", {{"type", "string"}}},
                   {"dim", {{"type", "integer"}, {"minimum", 1}}},
                   {"metric", {{"type", "string"}, {"enum", {"cosine", "inner_product", "ip", "l2"}}}},
                   {"m", {{"type", "integer"}, {"default", 16}}},
                   {"ef_construction", {{"type", "integer"}, {"default", 200}}},
                   {"ef_search", {{"type", "integer"}, {"default", 128}}}}}})
          .Returns(201, "The new collection", "application/json", collection_schema),
      [collections](const httplib::Request& req, RequestContext&) { return CreateCollection(*collections, req); }));

  IRIS_RETURN_IF_ERROR(
      router.Add(RouteSpec::Get("/v1/collections")
                     .Summary("List vector collections")
                     .Tag("collections")
                     .Returns(200, "All collections, by name", "application/json",
                              {{"type", "object"},
                               {"properties", {{"collections", {{"type", "array"}, {"items", collection_schema}}}}}}),
                 [collections](const httplib::Request&, RequestContext&) { return ListCollections(*collections); }));

  IRIS_RETURN_IF_ERROR(router.Add(
      RouteSpec::Get("/v1/collections/{name}")
          .Summary("Describe a collection: model, dim, metric, count")
          .Tag("collections")
          .Returns(200, "The collection", "application/json", collection_schema),
      [collections](const httplib::Request&, RequestContext& ctx) { return DescribeCollection(*collections, ctx); }));

  IRIS_RETURN_IF_ERROR(router.Add(
      RouteSpec::Delete("/v1/collections/{name}")
          .Summary("Delete a collection and all its items")
          .Tag("collections")
          .Returns(200, "Deleted", "application/json",
                   {{"type", "object"}, {"properties", {{"deleted", {{"type", "string"}}}}}}),
      [collections](const httplib::Request&, RequestContext& ctx) { return DropCollection(*collections, ctx); }));

  const nlohmann::json model_schema = {
      {"type", "string"},
      {"description",
       "optional: the model that made the vector (the 'model' of a /v1/embeddings answer); 409 when it is not the "
       "collection's exact model and variant (fp32 and int8 vectors are never mixed)"}};
  const nlohmann::json item_props = {{"metadata", metadata_schema}, {"model", model_schema}};
  IRIS_RETURN_IF_ERROR(router.Add(
      RouteSpec::Put("/v1/collections/{name}/items/{id}")
          .Summary("Insert or replace an item")
          .Description("JSON {vector, metadata}, or an image (multipart 'file' with an optional 'metadata' field "
                       "holding a JSON object, or JSON {image_url, metadata}) embedded with the collection's CLIP "
                       "model. An existing id is replaced (count does not change). Durable when acknowledged.")
          .Tag("collections")
          .Body("application/json", {{"type", "object"},
                                     {"properties",
                                      {{"vector", vector_schema},
                                       {"image_url", {{"type", "string"}}},
                                       {"metadata", metadata_schema},
                                       {"model", model_schema}}}})
          .Body("multipart/form-data", ImageUploadSchema(item_props))
          .Returns(200, "Stored", "application/json",
                   {{"type", "object"},
                    {"properties",
                     {{"id", {{"type", "string"}}},
                      {"collection", {{"type", "string"}}},
                      {"count", {{"type", "integer"}}}}}}),
      [collections, ingestor](const httplib::Request& req, RequestContext& ctx) {
        return PutItem(*collections, *ingestor, req, ctx);
      }));

  IRIS_RETURN_IF_ERROR(router.Add(
      RouteSpec::Get("/v1/collections/{name}/items/{id}")
          .Summary("Get an item: its vector (as stored: unit length for cosine) and metadata")
          .Tag("collections")
          .Returns(200, "The item", "application/json",
                   {{"type", "object"},
                    {"properties",
                     {{"id", {{"type", "string"}}}, {"vector", vector_schema}, {"metadata", metadata_schema}}}}),
      [collections](const httplib::Request&, RequestContext& ctx) { return GetItem(*collections, ctx); }));

  IRIS_RETURN_IF_ERROR(router.Add(
      RouteSpec::Delete("/v1/collections/{name}/items/{id}")
          .Summary("Delete an item")
          .Tag("collections")
          .Returns(200, "Deleted", "application/json",
                   {{"type", "object"},
                    {"properties", {{"deleted", {{"type", "string"}}}, {"count", {{"type", "integer"}}}}}}),
      [collections](const httplib::Request&, RequestContext& ctx) { return DeleteItem(*collections, ctx); }));

  IRIS_RETURN_IF_ERROR(router.Add(
      RouteSpec::Get("/v1/collections/{name}/items")
          .Summary("List item ids in lexicographic order, paginated")
          .Tag("collections")
          .Query("offset", "ids to skip (default 0)", {{"type", "integer"}, {"minimum", 0}})
          .Query("limit", "ids to return (default 100, at most 1000)",
                 {{"type", "integer"}, {"minimum", 1}, {"maximum", kMaxPageSize}})
          .Returns(200, "A page of ids", "application/json",
                   {{"type", "object"},
                    {"properties",
                     {{"ids", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                      {"offset", {{"type", "integer"}}},
                      {"limit", {{"type", "integer"}}},
                      {"count", {{"type", "integer"}}}}}}),
      [collections](const httplib::Request& req, RequestContext& ctx) { return ListItems(*collections, req, ctx); }));

  const nlohmann::json search_props = {
      {"vector", vector_schema},
      {"model", model_schema},
      {"id", {{"type", "string"}, {"description", "search with this stored item's vector; the item is not a hit"}}},
      {"text", {{"type", "string"}, {"description", "embedded with the collection's CLIP text tower"}}},
      {"top_n", {{"type", "integer"}, {"minimum", 1}, {"maximum", kMaxTopN}, {"default", kDefaultTopN}}},
      {"min_similarity", {{"type", "number"}, {"description", "only hits with similarity >= this"}}},
      {"search_mode",
       {{"type", "string"},
        {"enum", {"auto", "graph", "exact"}},
        {"default", "auto"},
        {"description", "exact: scan every item (recall 1.0, O(n)); graph: HNSW walk; auto: exact up to 5,000 items"}}},
      {"filter",
       {{"type", "object"},
        {"description",
         "metadata field -> value; a hit's metadata must equal every one (applied inside the search)"}}}};
  IRIS_RETURN_IF_ERROR(
      router.Add(RouteSpec::Post("/v1/collections/{name}/search")
                     .ComputeOnly()
                     .Summary("Nearest items to a vector, a stored item, a text or an image")
                     .Description("Give exactly one of vector, id, text or an image (multipart 'file' or image_url). "
                                  "Hits are closest first. similarity: higher = closer (cosine/inner_product: the dot "
                                  "product, distance = 1 - similarity; l2: distance = Euclidean distance, similarity = "
                                  "-distance). In multipart requests filter is a JSON text field.")
                     .Tag("collections")
                     .Body("application/json", {{"type", "object"}, {"properties", search_props}})
                     .Body("multipart/form-data", ImageUploadSchema(search_props))
                     .Returns(200, "Hits", "application/json",
                              {{"type", "object"},
                               {"properties",
                                {{"collection", {{"type", "string"}}},
                                 {"metric", {{"type", "string"}}},
                                 {"hits",
                                  {{"type", "array"},
                                   {"items",
                                    {{"type", "object"},
                                     {"properties",
                                      {{"id", {{"type", "string"}}},
                                       {"similarity", {{"type", "number"}}},
                                       {"distance", {{"type", "number"}}},
                                       {"metadata", metadata_schema}}}}}}}}}}),
                 [collections, ingestor](const httplib::Request& req, RequestContext& ctx) {
                   return Search(*collections, *ingestor, req, ctx);
                 }));

  const nlohmann::json candidate_schema = {
      {"type", "object"},
      {"properties",
       {{"id", {{"type", "string"}}},
        {"duplicate", {{"type", "boolean"}}},
        {"hash_distance", {{"type", "integer"}, {"description", "best pHash distance in bits; -1: not close"}}},
        {"view", {{"type", "string"}, {"description", "query view that matched, e.g. identity, flip_h"}}},
        {"matches", {{"type", "integer"}}},
        {"inliers", {{"type", "integer"}, {"description", "geometrically consistent keypoints; -1: not verified"}}},
        {"detail_correlation", {{"type", "number"}}},
        {"similarity",
         {{"type", "number"},
          {"nullable", true},
          {"description", "the collection's embedding similarity (evidence only; null for external vectors)"}}},
        {"reason", {{"type", "string"}}}}}};
  return router.Add(
      RouteSpec::Post("/v1/collections/{name}/duplicates")
          .ComputeOnly()
          .Summary("Near-duplicates of an image among the collection's image items")
          .Description("Image in (multipart 'file'/'image' or JSON image_url), duplicates out, with the evidence "
                       "(perceptual-hash distance and view, local-feature inliers; docs/duplicates.md). Catches "
                       "re-encodes, resizes, crops, padding, flips, rotations and overlays; merely similar "
                       "products are candidates, not duplicates. The duplicate index holds the items upserted "
                       "WITH an image (PUT .../items/{id}, product routes); their signatures are kept in iris.db "
                       "and survive restarts. Items stored with a vector only are not in it ('indexed' says how "
                       "many are).")
          .Tag("collections")
          .Body("application/json", {{"type", "object"}, {"properties", {{"image_url", {{"type", "string"}}}}}})
          .Body("multipart/form-data", ImageUploadSchema(nlohmann::json::object()))
          .Returns(200, "Duplicates first, then the other candidates", "application/json",
                   {{"type", "object"},
                    {"properties",
                     {{"collection", {{"type", "string"}}},
                      {"indexed", {{"type", "integer"}, {"description", "image items in the duplicate index"}}},
                      {"duplicates", {{"type", "array"}, {"items", candidate_schema}}},
                      {"candidates", {{"type", "array"}, {"items", candidate_schema}}}}}}),
      [collections, ingestor](const httplib::Request& req, RequestContext& ctx) {
        return Duplicates(*collections, *ingestor, req, ctx);
      });
}

}  // namespace iris::api
