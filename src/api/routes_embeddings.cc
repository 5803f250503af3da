// CLIP routes: image embeddings, text embeddings, zero-shot labels.
//   POST /v1/embeddings/image  image (upload or image_url); model, normalize
//   POST /v1/embeddings/text   {"texts": [...]} or {"text": "..."}; model, normalize
//   POST /v1/zero-shot         image + labels (JSON array); model, prompt_template
// Embeddings are L2-normalised unless normalize=false. Scores: `similarity` is the cosine
// (higher = closer); `probability` is softmax(100 * similarity) over the given labels (CLIP's
// logit scale).
#include "api/image_input.h"
#include "api/openapi_schemas.h"
#include "api/routes.h"
#include "api/text_limits.h"
#include "core/json_limits.h"
#include "vision/embedding_math.h"
#include "vision/image_encoder.h"

namespace iris::api {
namespace {

constexpr float kClipLogitScale = 100.0f;

Result<std::shared_ptr<const ClipModel>> ModelFor(ModelRegistry& models, const httplib::Request& req,
                                                  const nlohmann::json& body, RequestContext& ctx) {
  const std::string name = RequestSetting(req, body, "model").value_or("");
  ScopedStage stage(ctx, "model_load");
  return models.Clip(name);
}

Result<std::vector<std::string>> StringList(const nlohmann::json& value, const char* what) {
  if (!value.is_array()) return Unprocessable(std::string("'") + what + "' must be a JSON array of strings");
  std::vector<std::string> out;
  for (const auto& v : value) {
    if (!v.is_string()) return Unprocessable(std::string("'") + what + "' must contain only strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

// A list given as JSON text (a form field or query parameter).
Result<std::vector<std::string>> StringList(const std::string& text, const char* what) {
  auto parsed = ParseBoundedJson(text);
  if (!parsed.ok()) return parsed.status().WithContext(std::string("'") + what + "'");
  return StringList(*parsed, what);
}

Result<Embedding> EmbedRequestImage(const ImageEncoder& model, const IngestedImage& image, bool normalize,
                                    RequestContext& ctx) {
  return DecodeAndEmbed(
      model, [&](int min_side) { return image.AtLeast(min_side); }, normalize, ctx);
}

nlohmann::json ImageSummary(const IngestedImage& image) {
  return {{"sha256", image.hashes().sha256}, {"width", image.info().width}, {"height", image.info().height}};
}

Result<HttpResponse> EmbedImageRoute(ModelRegistry& models, const ImageIngestor& ingestor, const httplib::Request& req,
                                     RequestContext& ctx) {
  IRIS_ASSIGN_OR_RETURN(nlohmann::json body, JsonBody(req));
  IRIS_ASSIGN_OR_RETURN(bool normalize, BoolSetting(req, body, "normalize", true));
  IRIS_ASSIGN_OR_RETURN(auto model, ModelFor(models, req, body, ctx));
  IRIS_ASSIGN_OR_RETURN(auto image, ReadImageInput(req, ctx, ingestor));
  IRIS_ASSIGN_OR_RETURN(Embedding embedding, EmbedRequestImage(*model, *image, normalize, ctx));
  return HttpResponse::Json({{"model", model->name()},
                             {"dim", embedding.size()},
                             {"normalized", normalize},
                             {"embedding", embedding},
                             {"image", ImageSummary(*image)}});
}

Result<HttpResponse> EmbedTextsRoute(ModelRegistry& models, const httplib::Request& req, RequestContext& ctx) {
  IRIS_ASSIGN_OR_RETURN(nlohmann::json body, JsonBody(req));
  std::vector<std::string> texts;
  if (body.contains("texts")) {
    IRIS_ASSIGN_OR_RETURN(texts, StringList(body["texts"], "texts"));
  } else if (body.contains("text") && body["text"].is_string()) {
    texts.push_back(body["text"].get<std::string>());
  } else {
    return Unprocessable("give 'texts' (array of strings) or 'text' (string)");
  }
  IRIS_RETURN_IF_ERROR(CheckTexts(texts, "texts"));
  IRIS_ASSIGN_OR_RETURN(bool normalize, BoolSetting(req, body, "normalize", true));
  IRIS_ASSIGN_OR_RETURN(auto model, ModelFor(models, req, body, ctx));
  ScopedStage stage(ctx, "inference");
  IRIS_ASSIGN_OR_RETURN(auto embeddings, model->EmbedTexts(texts, normalize));
  return HttpResponse::Json(
      {{"model", model->name()}, {"dim", model->dim()}, {"normalized", normalize}, {"embeddings", embeddings}});
}

Result<HttpResponse> ZeroShotRoute(ModelRegistry& models, const ImageIngestor& ingestor, const httplib::Request& req,
                                   RequestContext& ctx) {
  IRIS_ASSIGN_OR_RETURN(nlohmann::json body, JsonBody(req));
  auto labels_text = RequestSetting(req, body, "labels");
  if (!labels_text) return Unprocessable("missing 'labels' (a JSON array of strings)");
  IRIS_ASSIGN_OR_RETURN(std::vector<std::string> labels, StringList(*labels_text, "labels"));
  IRIS_RETURN_IF_ERROR(CheckTexts(labels, "labels"));
  const std::string tmpl = RequestSetting(req, body, "prompt_template").value_or("{}");
  IRIS_RETURN_IF_ERROR(CheckText(tmpl, "prompt_template"));
  if (tmpl.find("{}") == std::string::npos) return Unprocessable("prompt_template must contain {}");
  std::vector<std::string> prompts;
  for (const auto& label : labels) {
    std::string p = tmpl;
    p.replace(p.find("{}"), 2, label);
    prompts.push_back(std::move(p));
  }
  IRIS_ASSIGN_OR_RETURN(auto model, ModelFor(models, req, body, ctx));
  if (!model->has_text()) return FailedPrecondition("model " + model->name() + " has no text tower");
  IRIS_ASSIGN_OR_RETURN(auto image, ReadImageInput(req, ctx, ingestor));
  IRIS_ASSIGN_OR_RETURN(Embedding image_embedding, EmbedRequestImage(*model, *image, true, ctx));
  std::vector<Embedding> text_embeddings;
  {
    ScopedStage stage(ctx, "inference");
    IRIS_ASSIGN_OR_RETURN(text_embeddings, model->EmbedTexts(prompts, true));
  }
  std::vector<float> similarity;
  for (const auto& t : text_embeddings) similarity.push_back(Dot(image_embedding, t));
  std::vector<float> probability = Softmax(similarity, kClipLogitScale);
  std::vector<std::size_t> order(labels.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return similarity[a] > similarity[b]; });
  nlohmann::json results = nlohmann::json::array();
  for (auto i : order) {
    results.push_back({{"label", labels[i]}, {"similarity", similarity[i]}, {"probability", probability[i]}});
  }
  return HttpResponse::Json({{"model", model->name()}, {"results", results}, {"image", ImageSummary(*image)}});
}

}  // namespace

Status RegisterEmbeddingRoutes(Router& router, std::shared_ptr<ModelRegistry> models,
                               std::shared_ptr<const ImageIngestor> ingestor) {
  const nlohmann::json model_param = {
      {"model", {{"type", "string"}, {"description", "model name (default: models.default_clip)"}}},
      {"normalize", {{"type", "boolean"}, {"default", true}}}};
  IRIS_RETURN_IF_ERROR(
      router.Add(RouteSpec::Post("/v1/embeddings/image")
                     .ComputeOnly()
                     .Summary("Embed an image with a CLIP model")
                     .Tag("embeddings")
                     .Query("model", "model name (default: models.default_clip)")
                     .Query("normalize", "L2-normalise the embedding (default true)", {{"type", "boolean"}})
                     .Body("multipart/form-data", ImageUploadSchema(model_param))
                     .Body("application/json", ImageUrlSchema(model_param))
                     .Returns(200, "The embedding", "application/json",
                              {{"type", "object"},
                               {"properties",
                                {{"model", {{"type", "string"}}},
                                 {"dim", {{"type", "integer"}}},
                                 {"normalized", {{"type", "boolean"}}},
                                 {"embedding", {{"type", "array"}, {"items", {{"type", "number"}}}}},
                                 {"image", {{"type", "object"}}}}}}),
                 [models, ingestor](const httplib::Request& req, RequestContext& ctx) {
                   return EmbedImageRoute(*models, *ingestor, req, ctx);
                 }));

  IRIS_RETURN_IF_ERROR(router.Add(
      RouteSpec::Post("/v1/embeddings/text")
          .ComputeOnly()
          .Summary("Embed texts with a CLIP model's text tower")
          .Tag("embeddings")
          .Body("application/json",
                {{"type", "object"},
                 {"properties",
                  {{"texts", {{"type", "array"}, {"items", {{"type", "string"}}}, {"maxItems", kMaxTextsPerRequest}}},
                   {"text", {{"type", "string"}}},
                   {"model", {{"type", "string"}}},
                   {"normalize", {{"type", "boolean"}, {"default", true}}}}}})
          .Returns(200, "One embedding per text, in order", "application/json",
                   {{"type", "object"},
                    {"properties",
                     {{"model", {{"type", "string"}}},
                      {"dim", {{"type", "integer"}}},
                      {"normalized", {{"type", "boolean"}}},
                      {"embeddings", {{"type", "array"}}}}}}),
      [models](const httplib::Request& req, RequestContext& ctx) { return EmbedTextsRoute(*models, req, ctx); }));

  const nlohmann::json zero_shot_props = {
      {"labels",
       {{"type", "array"},
        {"items", {{"type", "string"}}},
        {"maxItems", kMaxTextsPerRequest},
        {"description", "candidate labels (JSON array)"}}},
      {"prompt_template", {{"type", "string"}, {"description", "e.g. \"a photo of {}\"; {} is replaced by the label"}}},
      {"model", {{"type", "string"}}}};
  return router.Add(
      RouteSpec::Post("/v1/zero-shot")
          .ComputeOnly()
          .Summary("Zero-shot labels: which of the given texts best describes the image")
          .Description("similarity = cosine of the normalised CLIP embeddings (higher = closer); probability = "
                       "softmax(100 * similarity) over the given labels. Results are sorted by similarity.")
          .Tag("embeddings")
          .Body("multipart/form-data", ImageUploadSchema(zero_shot_props))
          .Body("application/json", ImageUrlSchema(zero_shot_props))
          .Returns(200, "Scores per label", "application/json",
                   {{"type", "object"},
                    {"properties", {{"model", {{"type", "string"}}}, {"results", {{"type", "array"}}}}}}),
      [models, ingestor](const httplib::Request& req, RequestContext& ctx) {
        return ZeroShotRoute(*models, *ingestor, req, ctx);
      });
}

}  // namespace iris::api
