// The seed-003/004 jewelry catalog (contract: docs/http-api.md "Jewelry catalog"; differences from the seed:
// docs/compat.md):
//   POST /image_similarity_search  multipart `file`, `top_k`=1, `website`="alya" (catalog.default_website),
//                                  `check_duplicate`="yes": duplicate check, else store + index
//   POST /generate_caption         multipart `file`, `type` (required), `website`, `check_duplicate`: duplicate
//                                  check, structured caption from the provider, then store + index
//   POST /delete_image             `website`, and `image_name` or the image's URL (`s3_url` / `image_url`)
//   GET  /catalog/{website}/images/{image_id}  a stored image (the URLs of the filesystem backend)
// Every setting is checked before anything is stored; app/catalog_service.h does the work.
#include <regex>

#include "api/blob_response.h"
#include "api/image_input.h"
#include "api/openapi_schemas.h"
#include "api/routes.h"

namespace iris::api {
namespace {

Result<bool> YesNoSetting(const httplib::Request& req, const nlohmann::json& body, const std::string& name,
                          bool default_value) {
  auto value = RequestSetting(req, body, name);
  if (!value) return default_value;
  static const std::regex kYes("yes|true|1", std::regex::icase);
  static const std::regex kNo("no|false|0", std::regex::icase);
  if (std::regex_match(*value, kYes)) return true;
  if (std::regex_match(*value, kNo)) return false;
  return Unprocessable("'" + name + "' must be \"yes\" or \"no\"");
}

// The image id (64 hex) named by `image_name`, or by the last path segment of `s3_url` / `image_url`.
Result<std::string> ImageIdSetting(const httplib::Request& req, const nlohmann::json& body) {
  if (auto name = RequestSetting(req, body, "image_name")) return *name;
  for (const char* field : {"s3_url", "image_url"}) {
    auto url = RequestSetting(req, body, field);
    if (!url) continue;
    std::string path = url->substr(0, url->find_first_of("?#"));
    return path.substr(path.rfind('/') + 1);
  }
  return Unprocessable("'image_name' (or the image's URL as 's3_url') is required");
}

Result<HttpResponse> SimilaritySearch(app::CatalogService& catalog, const ImageIngestor& ingestor,
                                      const httplib::Request& req, RequestContext& ctx) {
  IRIS_ASSIGN_OR_RETURN(nlohmann::json body, JsonBody(req));
  IRIS_ASSIGN_OR_RETURN(long long top_k, IntSetting(req, body, "top_k", 1, 1, 100));
  IRIS_ASSIGN_OR_RETURN(bool check_duplicate, YesNoSetting(req, body, "check_duplicate", true));
  const std::string website = RequestSetting(req, body, "website").value_or("");
  IRIS_RETURN_IF_ERROR(catalog.websites().Find(website).status());
  IRIS_ASSIGN_OR_RETURN(auto image, ReadImageInput(req, ctx, ingestor));
  {
    ScopedStage stage(ctx, "decode");
    IRIS_RETURN_IF_ERROR(image->CheckDecodes());
  }
  IRIS_ASSIGN_OR_RETURN(app::CatalogSearchResult result,
                        catalog.SimilaritySearch(website, *image, static_cast<int>(top_k), check_duplicate, ctx));
  if (!result.duplicate_found) {
    return HttpResponse::Json({{"duplicate_found", false}, {"image_name", result.image_name}, {"s3_url", result.url}});
  }
  nlohmann::json results = nlohmann::json::array();
  for (const auto& m : result.matches) results.push_back({{"id", m.id}, {"distance", m.distance}, {"path", m.url}});
  return HttpResponse::Json({{"duplicate_found", true}, {"results", results}});
}

Result<HttpResponse> GenerateCaption(app::CatalogCaptionService& captions, const ImageIngestor& ingestor,
                                     const httplib::Request& req, RequestContext& ctx) {
  IRIS_ASSIGN_OR_RETURN(nlohmann::json body, JsonBody(req));
  IRIS_ASSIGN_OR_RETURN(bool check_duplicate, YesNoSetting(req, body, "check_duplicate", true));
  const std::string website = RequestSetting(req, body, "website").value_or("");
  const std::string type = RequestSetting(req, body, "type").value_or("");
  IRIS_ASSIGN_OR_RETURN(auto image, ReadImageInput(req, ctx, ingestor));
  {
    ScopedStage stage(ctx, "decode");
    IRIS_RETURN_IF_ERROR(image->CheckDecodes());
  }
  IRIS_ASSIGN_OR_RETURN(app::CatalogCaptionOutcome out, captions.Caption(website, type, *image, check_duplicate, ctx));
  if (out.duplicate) {
    return HttpResponse::Json(
        {{"display_name", out.display_name}, {"s3_url", out.url}, {"duplicate", "duplicate found"}});
  }
  return HttpResponse::Json({{"display_name", out.display_name},
                             {"generated_name", out.caption.generated_name},
                             {"quality", std::string(1, out.caption.quality)},
                             {"description", out.caption.description},
                             {"attributes", out.caption.attributes},
                             {"prompt", out.caption.prompt},
                             {"color", out.caption.color},
                             {"s3_url", out.url}});
}

Result<HttpResponse> DeleteImage(app::CatalogService& catalog, const httplib::Request& req, RequestContext& ctx) {
  IRIS_ASSIGN_OR_RETURN(nlohmann::json body, JsonBody(req));
  const std::string website = RequestSetting(req, body, "website").value_or("");
  IRIS_ASSIGN_OR_RETURN(std::string image_id, ImageIdSetting(req, body));
  IRIS_ASSIGN_OR_RETURN(app::CatalogDeleteResult result, catalog.Delete(website, image_id, ctx));
  return HttpResponse::Json(
      {{"deleted", true}, {"image_name", result.image_name}, {"blob_deleted", result.blob_deleted}});
}

Result<HttpResponse> GetImage(const app::CatalogService& catalog, const httplib::Request& req, RequestContext& ctx) {
  const std::string image_id = ctx.PathParam("image_id");
  IRIS_ASSIGN_OR_RETURN(app::StoredImage stored, catalog.Open(ctx.PathParam("website"), image_id, ctx));
  return BlobResponse(std::move(stored.reader), stored.content_type, "\"" + image_id + "\"", req);
}

nlohmann::json CaptionReply() {
  const auto text = [](const char* what) { return nlohmann::json{{"type", "string"}, {"description", what}}; };
  return {{"type", "object"},
          {"properties",
           {{"display_name", text("the uploaded file's name")},
            {"generated_name", text("new image: a product name")},
            {"quality",
             {{"type", "string"},
              {"enum", {"A", "B", "C"}},
              {"description",
               "the worse of the "
               "provider's and the "
               "measured grade"}}},
            {"description", text("new image: one-line caption")},
            {"attributes", text("new image: visible features")},
            {"prompt", text("new image: a prompt for product shots")},
            {"color", text("new image: main colour(s)")},
            {"s3_url", text("the stored image's URL, or the duplicate's")},
            {"duplicate", text("\"duplicate found\" when the image is a duplicate (nothing stored)")}}}};
}

nlohmann::json SearchReply() {
  const nlohmann::json match = {{"type", "object"},
                                {"properties",
                                 {{"id", {{"type", "string"}, {"description", "image_name of the stored image"}}},
                                  {"distance", {{"type", "number"}, {"description", "1 - cosine (lower = closer)"}}},
                                  {"path", {{"type", "string"}, {"description", "URL of the stored image"}}}}}};
  return {{"type", "object"},
          {"properties",
           {{"duplicate_found", {{"type", "boolean"}}},
            {"results", {{"type", "array"}, {"items", match}}},
            {"image_name", {{"type", "string"}, {"description", "when stored: the image's id (SHA-256)"}}},
            {"s3_url", {{"type", "string"}, {"description", "when stored: its URL (presigned for private S3)"}}}}}};
}

}  // namespace

Status RegisterCatalogRoutes(Router& router, std::shared_ptr<app::CatalogService> catalog,
                             std::shared_ptr<app::CatalogCaptionService> captions,
                             std::shared_ptr<const ImageIngestor> ingestor) {
  const nlohmann::json form_fields = {
      {"top_k", {{"type", "integer"}, {"default", 1}, {"minimum", 1}, {"maximum", 100}}},
      {"website", {{"type", "string"}, {"description", "a configured website (catalog.websites); default alya"}}},
      {"check_duplicate", {{"type", "string"}, {"enum", {"yes", "no"}}, {"default", "yes"}}}};
  IRIS_RETURN_IF_ERROR(router.Add(
      RouteSpec::Post("/image_similarity_search")
          .Summary("Check an image against a website's catalog; store and index it when new")
          .Description("Duplicate check with the near-duplicate engine (perceptual hashes over several views, "
                       "local features verified geometrically, several candidates). A duplicate answers "
                       "{duplicate_found: true, results: [{id, distance, path}]} and stores nothing; a new image "
                       "is stored under its content address and indexed: {duplicate_found: false, image_name, "
                       "s3_url}. check_duplicate=no skips the check.")
          .Tag("catalog")
          .Body("multipart/form-data", ImageUploadSchema(form_fields))
          .Returns(200, "Duplicate matches, or the stored image", "application/json", SearchReply())
          .Returns(415, "The file is not an image")
          .Returns(422, "No file, unknown website (the configured ones are named), bad top_k or check_duplicate"),
      [catalog, ingestor](const httplib::Request& req, RequestContext& ctx) {
        return SimilaritySearch(*catalog, *ingestor, req, ctx);
      }));
  nlohmann::json caption_fields = form_fields;
  caption_fields.erase("top_k");
  caption_fields["type"] = {{"type", "string"}, {"description", "required: the product type, e.g. earring"}};
  IRIS_RETURN_IF_ERROR(router.Add(
      RouteSpec::Post("/generate_caption")
          .Summary("Check a catalog upload for duplicates, caption it through the provider, store and index it")
          .Description("Duplicate check as /image_similarity_search; a duplicate answers {display_name, s3_url, "
                       "duplicate: \"duplicate found\"} and stores nothing. Otherwise the image is measured "
                       "(quality grade, dominant colours), captioned by the configured chat-completions provider "
                       "(captions.*) with a JSON-schema-constrained reply, and only then stored and indexed.")
          .Tag("catalog")
          .Body("multipart/form-data", ImageUploadSchema(caption_fields))
          .Returns(200, "The caption of the stored image, or the duplicate", "application/json", CaptionReply())
          .Returns(409, "No captioning provider is configured (captions.url)")
          .Returns(415, "The file is not an image")
          .Returns(422, "No file, no or invalid type, unknown website, bad check_duplicate")
          .Returns(503, "The provider failed after its retries, or replied twice with invalid JSON"),
      [captions, ingestor](const httplib::Request& req, RequestContext& ctx) {
        return GenerateCaption(*captions, *ingestor, req, ctx);
      }));
  const nlohmann::json delete_schema = {
      {"type", "object"},
      {"properties",
       {{"website", {{"type", "string"}}},
        {"image_name", {{"type", "string"}, {"description", "as /image_similarity_search replied"}}},
        {"s3_url", {{"type", "string"}, {"description", "or the image's URL as replied"}}}}}};
  IRIS_RETURN_IF_ERROR(router.Add(
      RouteSpec::Post("/delete_image")
          .Summary("Remove an image from a website's catalog")
          .Description("Removes the item's vector and duplicate signature, then its stored bytes unless another "
                       "website with the same storage location still indexes the same bytes.")
          .Tag("catalog")
          .Body("multipart/form-data", delete_schema)
          .Body("application/json", delete_schema)
          .Returns(200, "Deleted", "application/json",
                   {{"type", "object"},
                    {"properties",
                     {{"deleted", {{"type", "boolean"}}},
                      {"image_name", {{"type", "string"}}},
                      {"blob_deleted", {{"type", "boolean"}}}}}})
          .Returns(404, "The website has no such image")
          .Returns(422, "Unknown website, or no image_name / s3_url"),
      [catalog](const httplib::Request& req, RequestContext& ctx) { return DeleteImage(*catalog, req, ctx); }));
  return router.Add(
      RouteSpec::Get("/catalog/{website}/images/{image_id}")
          .Summary("A stored catalog image (the image URLs of the filesystem backend)")
          .Tag("catalog")
          .Returns(200, "The image bytes", "application/octet-stream")
          .Returns(404, "The website has no such image"),
      [catalog](const httplib::Request& req, RequestContext& ctx) { return GetImage(*catalog, req, ctx); });
}

}  // namespace iris::api
