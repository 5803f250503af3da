#include "app/catalog_caption_service.h"

#include <algorithm>
#include <cmath>
#include <regex>

#include "core/logging.h"
#include "providers/caption_jpeg.h"
#include "vision/dominant_colors.h"
#include "vision/image_quality.h"

namespace iris::app {
namespace {

constexpr std::size_t kMaxProductTypeChars = 64;

Status CheckProductType(const std::string& type) {
  static const std::regex kAllowed("[A-Za-z0-9 _-]+");
  if (type.empty()) return Unprocessable("'type' (the product type, e.g. earring) is required");
  if (type.size() > kMaxProductTypeChars || !std::regex_match(type, kAllowed)) {
    return Unprocessable("'type' must be up to 64 letters, digits, spaces, '-' or '_' (e.g. earring)");
  }
  return {};
}

std::string CaptionPrompt(const std::string& product_type, const ImageQuality& quality,
                          const std::vector<DominantColor>& colors) {
  std::string prompt =
      "You catalogue jewellery for an online shop. The photo shows one " + product_type +
      ". Reply with a JSON object only, with these string fields: generated_name (a short product name, 2 to 6 "
      "words, no brand), quality (the photo's fitness for the catalog: A = sharp, well lit, plain background, "
      "ready to publish; B = usable after retouching; C = not usable), description (one sentence describing the "
      "item), attributes (its visible features: metal, stones, shape, style, closure; comma separated), prompt (a "
      "prompt for generating product shots of exactly this item) and color (its main colour or colours).";
  prompt += std::string(" Measured from the pixels: technical grade ") + quality.grade;
  if (!quality.issues.empty()) {
    prompt += " (";
    for (std::size_t i = 0; i < quality.issues.size(); ++i) prompt += (i ? "; " : "") + quality.issues[i];
    prompt += ")";
  }
  if (!colors.empty()) {
    prompt += "; dominant colours of the item, backdrop left out:";
    for (std::size_t i = 0; i < colors.size(); ++i) {
      prompt += (i ? ", " : " ") + colors[i].name + " " + std::to_string(std::lround(colors[i].share * 100)) + "%";
    }
  }
  return prompt + ".";
}

}  // namespace

std::string DisplayName(const IngestedImage& image) {
  const std::string& source = image.source();
  static constexpr std::string_view kUploaded = "uploaded:";
  if (source.starts_with(kUploaded)) return source.substr(kUploaded.size());
  const std::string path = source.substr(0, source.find_first_of("?#"));
  return path.substr(path.rfind('/') + 1);
}

Result<CatalogCaptionOutcome> CatalogCaptionService::Caption(const std::string& website,
                                                             const std::string& product_type,
                                                             const IngestedImage& image, bool check_duplicate,
                                                             Trace& trace) {
  IRIS_RETURN_IF_ERROR(catalog_.websites().Find(website).status());
  IRIS_RETURN_IF_ERROR(CheckProductType(product_type));
  if (!client_.configured()) {
    return FailedPrecondition(
        "no captioning provider is configured; set captions.url (IRIS_CAPTIONS_URL), captions.model and "
        "captions.api_key -- any OpenAI-compatible chat-completions API with image input works");
  }
  CatalogCaptionOutcome out;
  out.display_name = DisplayName(image);
  if (check_duplicate) {
    IRIS_ASSIGN_OR_RETURN(std::vector<CatalogMatch> matches, catalog_.FindDuplicates(website, image, 1, trace));
    if (!matches.empty()) {
      out.duplicate = true;
      out.image_name = matches.front().id;
      out.url = matches.front().url;
      return out;
    }
  }

  CaptionRequest request;
  request.max_tokens = kCaptionMaxTokens;
  request.json_schema = CatalogCaptionSchema();
  request.json_schema_name = "catalog_caption";
  std::string jpeg;
  {
    ScopedStage stage(trace, "measure");
    IRIS_ASSIGN_OR_RETURN(auto pixels, image.Full());
    IRIS_ASSIGN_OR_RETURN(ImageQuality quality, AssessImageQuality(*pixels));
    DominantColorOptions color_options;
    color_options.k = 3;
    color_options.ignore_background = true;
    IRIS_ASSIGN_OR_RETURN(std::vector<DominantColor> colors, DominantColors(*pixels, color_options));
    out.measured_quality = quality.grade;
    request.prompt = CaptionPrompt(product_type, quality, colors);
    IRIS_ASSIGN_OR_RETURN(jpeg, CaptionJpeg(*pixels));
  }
  Status invalid;
  for (int attempt = 1; attempt <= 2; ++attempt) {
    ScopedStage stage(trace, "caption");
    ++out.provider_requests;
    IRIS_ASSIGN_OR_RETURN(CaptionResult reply, client_.DescribeImage(jpeg, "image/jpeg", request));
    Result<CatalogCaption> caption = ParseCatalogCaption(reply.text);
    if (caption.ok()) {
      out.caption = std::move(caption).value();
      invalid = Status();
      break;
    }
    invalid = caption.status();
    LogWarn("catalog.caption_invalid", {{"attempt", attempt}, {"error", invalid.message()}});
  }
  if (!invalid.ok()) {
    return Unavailable("the captioning provider's reply did not follow the caption schema twice: " + invalid.message());
  }
  out.caption.quality = std::max(out.caption.quality, out.measured_quality);  // 'C' is the worst

  IRIS_ASSIGN_OR_RETURN(CatalogSearchResult stored, catalog_.StoreImage(website, image, trace));
  out.image_name = stored.image_name;
  out.url = stored.url;
  return out;
}

}  // namespace iris::app
