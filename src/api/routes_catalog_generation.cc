// Generated product shots of the jewelry catalog (seeds 003/004; contract: docs/product-shots.md, differences
// from the seed: docs/compat.md):
//   POST /generate-images    JSON (or form) `s3_urls`, `product_type`, `num_images`=4, `image_types`, `height`,
//                            `width`, `website`, `background`=false: the shots, their ZIP; or a background job
//   POST /regenerate-image   `zip_url` + `prompt_index` | `image_type` | `image_url` (+ `original_image_url`,
//                            `height`, `width`, `website`): one shot made again, a new ZIP
//   GET  /catalog/{website}/files/{sha256}  a stored shot or ZIP (the URLs of the filesystem backend)
// The handlers read the request and call app::ProductShotService, which checks everything before it stores.
#include <charconv>

#include "api/blob_response.h"
#include "api/image_input.h"
#include "api/routes.h"

namespace iris::api {
namespace {

using nlohmann::json;

// A list of integers: a JSON array, or text "1,2,4" / "[1, 2, 4]" (form fields and query strings).
Result<std::optional<std::vector<int>>> IntListSetting(const httplib::Request& req, const json& body,
                                                       const std::string& name) {
  const Status bad = Unprocessable("'" + name + "' must be a list of integers such as [1, 2, 4, 5]");
  if (body.is_object() && body.contains(name) && !body[name].is_string()) {
    const json& v = body[name];
    if (v.is_null()) return std::optional<std::vector<int>>();
    if (!v.is_array() || v.size() > 100) return bad;
    std::vector<int> out;
    for (const auto& e : v) {
      if (!e.is_number_integer() || e.get<long long>() < -1000 || e.get<long long>() > 1000) return bad;
      out.push_back(e.get<int>());
    }
    return std::optional(out);
  }
  auto text = RequestSetting(req, body, name);
  if (!text) return std::optional<std::vector<int>>();
  std::vector<int> out;
  std::string_view rest = *text;
  if (rest.starts_with('[') && rest.ends_with(']')) rest = rest.substr(1, rest.size() - 2);
  while (!rest.empty()) {
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    const std::size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    int value = 0;
    auto [end, error] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (item.empty() || error != std::errc() || end != item.data() + item.size() || out.size() >= 100) return bad;
    out.push_back(value);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  return std::optional(out);
}

// `s3_urls`: one URL (the seed's string), or a JSON array holding exactly one.
Result<std::string> OriginalSetting(const httplib::Request& req, const json& body) {
  if (body.is_object() && body.contains("s3_urls") && body["s3_urls"].is_array()) {
    const json& urls = body["s3_urls"];
    if (urls.size() != 1 || !urls[0].is_string()) {
      return Unprocessable("'s3_urls' names one original image per request (a URL, or a list of exactly one)");
    }
    return urls[0].get<std::string>();
  }
  if (body.is_object() && body.contains("s3_urls") && !body["s3_urls"].is_string()) {
    return Unprocessable("'s3_urls' must be the URL of the original image");
  }
  return RequestSetting(req, body, "s3_urls").value_or("");
}

// height/width: text such as "2.5 cm" (a JSON number is taken as its text).
std::string TextSetting(const httplib::Request& req, const json& body, const std::string& name) {
  if (body.is_object() && body.contains(name) && body[name].is_null()) return "";
  return RequestSetting(req, body, name).value_or("");
}

Result<std::optional<int>> OptionalInt(const httplib::Request& req, const json& body, const std::string& name, int min,
                                       int max) {
  if (!RequestSetting(req, body, name) || (body.is_object() && body.contains(name) && body[name].is_null())) {
    return std::optional<int>();
  }
  IRIS_ASSIGN_OR_RETURN(long long value, IntSetting(req, body, name, 0, min, max));
  return std::optional<int>(static_cast<int>(value));
}

Result<HttpResponse> GenerateImages(const app::ProductShotService& shots, const httplib::Request& req,
                                    RequestContext& ctx) {
  IRIS_ASSIGN_OR_RETURN(const json body, JsonBody(req));
  app::GenerateRequest request;
  IRIS_ASSIGN_OR_RETURN(request.s3_url, OriginalSetting(req, body));
  request.product_type = RequestSetting(req, body, "product_type").value_or("");
  if (request.product_type.empty()) return Unprocessable("'product_type' is required (earring, bracelet, necklace)");
  IRIS_ASSIGN_OR_RETURN(long long num_images, IntSetting(req, body, "num_images", 4, 1, app::kMaxShotsPerRequest));
  request.num_images = static_cast<int>(num_images);
  IRIS_ASSIGN_OR_RETURN(request.image_types, IntListSetting(req, body, "image_types"));
  request.height = TextSetting(req, body, "height");
  request.width = TextSetting(req, body, "width");
  request.website = RequestSetting(req, body, "website").value_or("");
  IRIS_ASSIGN_OR_RETURN(bool background, BoolSetting(req, body, "background", false));
  if (background) {
    IRIS_ASSIGN_OR_RETURN(std::string task_id, shots.Submit(request, ctx));
    return HttpResponse::Json({{"task_id", task_id}, {"status", "queued"}});
  }
  IRIS_ASSIGN_OR_RETURN(app::ShotSet set, shots.Generate(request, ctx));
  return HttpResponse::Json(app::ShotSetJson(set));
}

Result<HttpResponse> RegenerateImage(const app::ProductShotService& shots, const httplib::Request& req,
                                     RequestContext& ctx) {
  IRIS_ASSIGN_OR_RETURN(const json body, JsonBody(req));
  app::RegenerateRequest request;
  request.zip_url = RequestSetting(req, body, "zip_url").value_or("");
  if (request.zip_url.empty()) return Unprocessable("'zip_url' is required: the zip_url /generate-images replied");
  IRIS_ASSIGN_OR_RETURN(request.prompt_index, OptionalInt(req, body, "prompt_index", 0, app::kMaxShotsPerRequest - 1));
  IRIS_ASSIGN_OR_RETURN(request.image_type, OptionalInt(req, body, "image_type", 1, 99));
  request.image_url = RequestSetting(req, body, "image_url").value_or("");
  request.original_url = RequestSetting(req, body, "original_image_url").value_or("");
  if (request.original_url.empty()) {
    IRIS_ASSIGN_OR_RETURN(request.original_url, OriginalSetting(req, body));
  }
  request.height = TextSetting(req, body, "height");
  request.width = TextSetting(req, body, "width");
  request.website = RequestSetting(req, body, "website").value_or("");
  IRIS_ASSIGN_OR_RETURN(app::ShotSet set, shots.Regenerate(request, ctx));
  return HttpResponse::Json(app::ShotSetJson(set));
}

Result<HttpResponse> GetFile(const app::ProductShotService& shots, const httplib::Request& req, RequestContext& ctx) {
  const std::string sha = ctx.PathParam("sha256");
  IRIS_ASSIGN_OR_RETURN(app::StoredImage stored, shots.OpenFile(ctx.PathParam("website"), sha, ctx));
  return BlobResponse(std::move(stored.reader), stored.content_type, "\"" + sha + "\"", req);
}

json ShotFields() {
  return {{"prompt_index", {{"type", "integer"}, {"description", "position in the requested list, from 0"}}},
          {"image_type", {{"type", "integer"}}},
          {"image_type_name", {{"type", "string"}, {"description", "e.g. White Background"}}}};
}

json ReplySchema() {
  json image = {{"type", "object"}, {"properties", ShotFields()}};
  image["properties"]["image_url"] = {{"type", "string"}};
  json failed = {{"type", "object"}, {"properties", ShotFields()}};
  failed["properties"]["error"] = {{"type", "string"}};
  failed["properties"]["code"] = {{"type", "string"}, {"description", "e.g. Unavailable"}};
  failed["properties"]["retryable"] = {{"type", "boolean"}};
  return {{"type", "object"},
          {"properties",
           {{"original_image_url", {{"type", "string"}}},
            {"gen_images", {{"type", "array"}, {"items", image}}},
            {"zip_url", {{"type", "string"}, {"nullable", true}, {"description", "ZIP of gen_images + manifest.json"}}},
            {"failed", {{"type", "array"}, {"items", failed}, {"description", "shots that could not be made"}}},
            {"regenerated", image}}}};
}

}  // namespace

Status RegisterCatalogGenerationRoutes(Router& router, std::shared_ptr<const app::ProductShotService> shots) {
  const json generate_schema = {
      {"type", "object"},
      {"required", {"s3_urls", "product_type"}},
      {"properties",
       {{"s3_urls", {{"type", "string"}, {"description", "URL of the original as /image_similarity_search replied"}}},
        {"product_type", {{"type", "string"}, {"enum", {"earring", "bracelet", "necklace"}}}},
        {"num_images", {{"type", "integer"}, {"default", 4}, {"minimum", 1}, {"maximum", app::kMaxShotsPerRequest}}},
        {"image_types", {{"type", "array"}, {"items", {{"type", "integer"}}}, {"description", "default [1, 2, 4, 5]"}}},
        {"height", {{"type", "string"}, {"description", "type 3 (Dimension Image) only, e.g. \"2.5 cm\""}}},
        {"width", {{"type", "string"}, {"description", "type 3 (Dimension Image) only"}}},
        {"website", {{"type", "string"}, {"description", "optional: must be the original's website"}}},
        {"background",
         {{"type", "boolean"}, {"default", false}, {"description", "run as a job: {task_id, status}"}}}}}};
  IRIS_RETURN_IF_ERROR(router.Add(
      RouteSpec::Post("/generate-images")
          .Summary("Generate product shots of a stored catalog image, and their ZIP")
          .Description("Type 1 (White Background) is the product cut out with ISNet on pure white, made locally; the "
                       "other types go to the OpenAI-compatible image-edit provider (generation.url), at most "
                       "generation.max_concurrency at once, with retries. A shot that fails is listed in `failed` "
                       "and the others are still stored. background=true answers {task_id, status} at once; "
                       "GET /tasks/{task_id} then has the reply. See docs/product-shots.md.")
          .Tag("catalog")
          .Body("application/json", generate_schema)
          .Body("multipart/form-data", generate_schema)
          .Returns(200, "The stored shots and their ZIP (or the queued job)", "application/json", ReplySchema())
          .Returns(404, "The original is not stored")
          .Returns(415, "The original is not an image")
          .Returns(422, "A bad field (each error names it); nothing is generated or stored")
          .Returns(503, "Every shot failed for a reason worth retrying (each is named)"),
      [shots](const httplib::Request& req, RequestContext& ctx) { return GenerateImages(*shots, req, ctx); }));
  const json regenerate_schema = {
      {"type", "object"},
      {"required", {"zip_url"}},
      {"properties",
       {{"zip_url", {{"type", "string"}, {"description", "the set, as /generate-images replied"}}},
        {"prompt_index", {{"type", "integer"}}},
        {"image_type", {{"type", "integer"}}},
        {"image_url", {{"type", "string"}, {"description", "or the shot's own URL"}}},
        {"original_image_url", {{"type", "string"}, {"description", "optional check: the set's original"}}},
        {"height", {{"type", "string"}}},
        {"width", {{"type", "string"}}},
        {"website", {{"type", "string"}}}}}};
  IRIS_RETURN_IF_ERROR(router.Add(
      RouteSpec::Post("/regenerate-image")
          .Summary("Make one shot of a generated set again")
          .Description("Reads the set from its ZIP (with the store's credentials), makes the chosen shot again, "
                       "stores it, then stores a new ZIP with it in place of the old one. If the shot cannot be "
                       "made, nothing changes. Old files are kept (their URLs stay valid).")
          .Tag("catalog")
          .Body("application/json", regenerate_schema)
          .Body("multipart/form-data", regenerate_schema)
          .Returns(200, "The whole set with the new shot and the new zip_url", "application/json", ReplySchema())
          .Returns(404, "The ZIP or the original is not stored")
          .Returns(422, "A bad field, or selectors naming different shots; nothing changes"),
      [shots](const httplib::Request& req, RequestContext& ctx) { return RegenerateImage(*shots, req, ctx); }));
  return router.Add(RouteSpec::Get("/catalog/{website}/files/{sha256}")
                        .Summary("A stored product shot or ZIP (the URLs of the filesystem backend)")
                        .Tag("catalog")
                        .Returns(200, "The file's bytes", "application/octet-stream")
                        .Returns(404, "The website's location has no such file"),
                    [shots](const httplib::Request& req, RequestContext& ctx) { return GetFile(*shots, req, ctx); });
}

}  // namespace iris::api
