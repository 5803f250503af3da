// POST /v1/images: ingest an image (upload or URL), store the original under its content address.
// GET /v1/images/{sha256}: the stored original, streamed; one byte range honoured (blob_response.h).
#include <regex>

#include "api/blob_response.h"
#include "api/image_input.h"
#include "api/openapi_schemas.h"
#include "api/routes.h"
#include "image/image_format.h"
#include "store/sqlite_statement.h"

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

Status RecordBlob(Database& db, const std::string& key, const IngestedImage& image) {
  return db.Write([&](SqliteConnection& conn) -> Status {
    IRIS_ASSIGN_OR_RETURN(auto stmt,
                          conn.Prepare("INSERT OR IGNORE INTO blobs(key, sha256, size, content_type, "
                                       "created_at) VALUES(?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ','now'))"));
    IRIS_RETURN_IF_ERROR(stmt.BindText(1, key));
    IRIS_RETURN_IF_ERROR(stmt.BindText(2, image.hashes().sha256));
    IRIS_RETURN_IF_ERROR(stmt.BindInt64(3, static_cast<std::int64_t>(image.bytes().size())));
    IRIS_RETURN_IF_ERROR(stmt.BindText(4, std::string(ImageFormatMimeType(image.info().format))));
    return stmt.Run();
  });
}

Result<std::string> StoredContentType(Database& db, const std::string& key) {
  std::string content_type;
  IRIS_RETURN_IF_ERROR(db.Read([&](SqliteConnection& conn) -> Status {
    IRIS_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("SELECT content_type FROM blobs WHERE key = ?"));
    IRIS_RETURN_IF_ERROR(stmt.BindText(1, key));
    IRIS_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return NotFound("no stored image with that sha256");
    content_type = stmt.ColumnText(0);
    return {};
  }));
  return content_type;
}

}  // namespace

Status RegisterImageRoutes(App& app, std::shared_ptr<AppServices> services) {
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
  IRIS_RETURN_IF_ERROR(app.router().Add(
      RouteSpec::Post("/v1/images")
          .Summary("Ingest and store an image")
          .Description("Accepts an upload or a URL, checks limits and format before decoding, and stores the "
                       "original under its SHA-256 (never the client's file name). Storing the same bytes twice "
                       "is a no-op.")
          .Tag("images")
          .Body("multipart/form-data", ImageUploadSchema())
          .Body("application/json", ImageUrlSchema())
          .Returns(200, "The stored image", "application/json", image_schema),
      [services](const httplib::Request& req, RequestContext& ctx) -> Result<HttpResponse> {
        IRIS_ASSIGN_OR_RETURN(auto image, ReadImageInput(req, ctx, *services->ingestor));
        {
          ScopedStage stage(ctx, "decode");
          IRIS_RETURN_IF_ERROR(image->CheckDecodes());
        }
        std::string key;
        {
          ScopedStage stage(ctx, "storage");
          IRIS_ASSIGN_OR_RETURN(key, services->blobs->Put(image->bytes(), ImageFormatMimeType(image->info().format)));
          IRIS_RETURN_IF_ERROR(RecordBlob(*services->database, key, *image));
        }
        return HttpResponse::Json(ImageJson(*image, key));
      }));

  return app.router().Add(
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
      [services](const httplib::Request& req, RequestContext& ctx) -> Result<HttpResponse> {
        static const std::regex kSha256("[0-9a-f]{64}");
        const std::string sha = ctx.PathParam("sha256");
        if (!std::regex_match(sha, kSha256)) return Unprocessable("sha256 must be 64 lower-case hex characters");
        ScopedStage stage(ctx, "storage");
        const std::string key = BlobKeyForSha256(sha);
        IRIS_ASSIGN_OR_RETURN(std::string content_type, StoredContentType(*services->database, key));
        IRIS_ASSIGN_OR_RETURN(std::unique_ptr<BlobReader> reader, services->blobs->OpenReader(key));
        HttpResponse response = BlobResponse(std::move(reader), content_type, "\"" + sha + "\"", req);
        if (response.status != 416)
          response.headers.push_back({"Cache-Control", "public, max-age=31536000, immutable"});
        return response;
      });
}

}  // namespace iris::api
