// POST /process-image (contract: seed "Image Processing API"; differences in docs/compat.md):
// multipart `file` (or `image`/`image_file`, or an image_url) plus `prompt`, `include_mask`, `debug`
// in the query string (how the seed's FastAPI clients send them) or as form fields. The handler
// reads the request and hands it to app::ProcessImageService; everything else happens there.
#include "api/image_input.h"
#include "api/routes.h"

namespace iris::api {
namespace {

nlohmann::json ReplySchema() {
  const nlohmann::json strings = {{"type", "array"}, {"items", {{"type", "string"}}}};
  return {{"type", "object"},
          {"properties",
           {{"filtered_section_ids", strings},
            {"children_count", {{"type", "integer"}}},
            {"match",
             {{"type", "object"},
              {"nullable", true},
              {"properties",
               {{"id", {{"type", "string"}}},
                {"type", {{"type", "string"}}},
                {"visual_elements", strings},
                {"score", {{"type", "number"}}},
                {"bbox", {{"type", "array"}, {"items", {{"type", "integer"}}}, {"description", "x, y, w, h"}}}}}}},
            {"debug", {{"type", "array"}, {"items", {{"type", "object"}}}}},
            {"mask_result", {{"type", "object"}, {"description", "the section map with COCO RLE masks"}}}}}};
}

Result<HttpResponse> ProcessImage(const app::ProcessImageService& service, const ImageIngestor& ingestor,
                                  const httplib::Request& req, RequestContext& ctx) {
  IRIS_ASSIGN_OR_RETURN(const nlohmann::json body, JsonBody(req));
  app::ProcessImageRequest request;
  request.prompt = RequestSetting(req, body, "prompt").value_or("");
  IRIS_ASSIGN_OR_RETURN(request.include_mask, BoolSetting(req, body, "include_mask", false));
  IRIS_ASSIGN_OR_RETURN(request.debug, BoolSetting(req, body, "debug", false));
  IRIS_RETURN_IF_ERROR(app::ProcessImageService::CheckRequest(request));
  IRIS_ASSIGN_OR_RETURN(auto image, ReadImageInput(req, ctx, ingestor));
  IRIS_ASSIGN_OR_RETURN(nlohmann::json reply, service.Process(*image, request, ctx));
  return HttpResponse::Json(reply);
}

}  // namespace

Status RegisterProcessImageRoutes(Router& router, std::shared_ptr<const app::ProcessImageService> process_image,
                                  std::shared_ptr<const ImageIngestor> ingestor) {
  const nlohmann::json boolean = {{"type", "boolean"}, {"default", false}};
  return router.Add(
      RouteSpec::Post("/process-image")
          .ComputeOnly()
          .Summary("Find the region of an image that a text prompt describes")
          .Description("Sections (objects, faces, foreground) -> prompt normaliser -> filter (relaxed retry) -> "
                       "local analysis -> matcher. No match is 200 with filtered_section_ids [] and match null. "
                       "See docs/process-image.md.")
          .Tag("process-image")
          .Query("prompt", "what to find, e.g. \"the red sofa on the left\" (also a form field; at most " +
                               std::to_string(app::ProcessImageService::kMaxPromptChars) + " bytes)")
          .Query("include_mask", "add mask_result, the section map with RLE masks (also a form field)", boolean)
          .Query("debug", "add per-stage timings, candidates and scores (also a form field)", boolean)
          .Body("multipart/form-data", {{"type", "object"},
                                        {"required", {"file"}},
                                        {"properties",
                                         {{"file", {{"type", "string"}, {"format", "binary"}}},
                                          {"prompt", {{"type", "string"}}},
                                          {"include_mask", {{"type", "boolean"}}},
                                          {"debug", {{"type", "boolean"}}}}}})
          .Returns(200, "The filtered sections and the best match (null when none)", "application/json", ReplySchema()),
      [process_image, ingestor](const httplib::Request& req, RequestContext& ctx) {
        return ProcessImage(*process_image, *ingestor, req, ctx);
      });
}

}  // namespace iris::api
