// POST /v1/images: ingest an image (upload or URL), store the original under its content address.
// GET /v1/images/{sha256}: the stored original, streamed; one byte range honoured (blob_response.h).
#include "api/blob_response.h"
#include "api/image_input.h"
#include "api/openapi_schemas.h"
#include "api/routes.h"
#include "core/hash.h"
#include "image/image_format.h"

namespace iris::api {
namespace {

nlohmann::json ImageJson(const IngestedImage& image, const std::string& key) {
  return {{"sha256", image.hashes().sha256},
          {"md5", image.hashes().md5},
          {"format", ImageFormatName(image.info().format)},
          {"content_type", ImageFormatMimeType(image.info().format)},
          {"width", image.info().width},
          {"height", image.info().height},
          {"bytes", image.bytes().size()},
          {"key", key},
          {"source", image.source()}};
}

Result<HttpResponse> StoreImage(app::ImageLibrary& images, const ImageIngestor& ingestor, const httplib::Request& req,
                                RequestContext& ctx) {
  IRIS_ASSIGN_OR_RETURN(auto image, ReadImageInput(req, ctx, ingestor));
  {
    ScopedStage stage(ctx, "decode");
    IRIS_RETURN_IF_ERROR(image->CheckDecodes());
  }
  IRIS_ASSIGN_OR_RETURN(std::string key, images.Store(*image, ctx));
  return HttpResponse::Json(ImageJson(*image, key));
}

Result<HttpResponse> DownloadImage(const app::ImageLibrary& images, const httplib::Request& req, RequestContext& ctx) {
  const std::string sha = ctx.PathParam("sha256");
  if (!IsSha256Hex(sha)) return Unprocessable("sha256 must be 64 lower-case hex characters");
  IRIS_ASSIGN_OR_RETURN(app::StoredImage stored, images.Open(sha, ctx));
  HttpResponse response = BlobResponse(std::move(stored.reader), stored.content_type, "\"" + sha + "\"", req);
  if (response.status != 416) response.headers.push_back({"Cache-Control", "public, max-age=31536000, immutable"});
  return response;
}

}  // namespace

Status RegisterImageRoutes(Router& router, std::shared_ptr<app::ImageLibrary> images,
                           std::shared_ptr<const ImageIngestor> ingestor) {
  const nlohmann::json image_schema = {{"type", "object"},
                                       {"properties",
                                        {{"sha256", {{"type", "string"}}},
                                         {"md5", {{"type", "string"}}},
                                         {"format", {{"type", "string"}}},
                                         {"content_type", {{"type", "string"}}},
                                         {"width", {{"type", "integer"}}},
                                         {"height", {{"type", "integer"}}},
                                         {"bytes", {{"type", "integer"}}},
                                         {"key", {{"type", "string"}}},
                                         {"source", {{"type", "string"}}}}}};
  IRIS_RETURN_IF_ERROR(router.Add(
      RouteSpec::Post("/v1/images")
          .Summary("Ingest and store an image")
          .Description("Accepts an upload or a URL, checks limits and format before decoding, and stores the "
                       "original under its SHA-256 (never the client's file name). Storing the same bytes twice "
                       "is a no-op.")
          .Tag("images")
          .Body("multipart/form-data", ImageUploadSchema())
          .Body("application/json", ImageUrlSchema())
          .Returns(200, "The stored image", "application/json", image_schema),
      [images, ingestor](const httplib::Request& req, RequestContext& ctx) {
        return StoreImage(*images, *ingestor, req, ctx);
      }));

  return router.Add(
      RouteSpec::Get("/v1/images/{sha256}")
          .Summary("Download a stored original")
          .Description("Streams the stored bytes. One byte range is honoured (Range: bytes=a-b, a- or -n; "
                       "206 with Content-Range, 416 when it starts past the end); several ranges, another unit or "
                       "a malformed header get the whole image (200). If-Range must equal the ETag (\"<sha256>\") "
                       "for the range to apply. HEAD answers the headers only.")
          .Tag("images")
          .Param({"Range", "header", "bytes=first-last, bytes=first- or bytes=-suffix_length (one range)"})
          .Returns(200, "The image bytes", "application/octet-stream")
          .Returns(206, "The requested byte range (Content-Range says which)", "application/octet-stream")
          .Returns(404, "No stored image has that hash")
          .Returns(416, "The range starts past the end (Content-Range: bytes */<length>)"),
      [images](const httplib::Request& req, RequestContext& ctx) { return DownloadImage(*images, req, ctx); });
}

}  // namespace iris::api
