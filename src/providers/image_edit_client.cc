#include "providers/image_edit_client.h"

#include <curl/curl.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "core/base64.h"
#include "core/json_limits.h"
#include "core/logging.h"
#include "net/curl_handles.h"
#include "providers/provider_http.h"
#include "providers/retry_policy.h"

namespace iris {
namespace {

using nlohmann::json;
using provider_http::Clip;
using provider_http::Redact;

constexpr std::size_t kMaxReplyBytes = 96u << 20;  // base64 of a 4096x4096 PNG stays well below
constexpr std::string_view kEditsPath = "/images/edits";
constexpr const char* kNotConfigured =
    "no image-generation provider is configured; set generation.url (IRIS_GENERATION_URL), generation.model and "
    "generation.api_key: any OpenAI-compatible images/edits API works (OpenAI gpt-image-1 or dall-e-2)";

std::string Endpoint(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (url.ends_with(kEditsPath)) return url;
  return url + std::string(kEditsPath);
}

std::string FileNameFor(std::string_view mime) {
  if (mime == "image/jpeg") return "image.jpg";
  if (mime == "image/webp") return "image.webp";
  return "image.png";
}

struct MimeDeleter {
  void operator()(curl_mime* m) const { curl_mime_free(m); }
};

bool AddField(curl_mime* mime, const char* name, const std::string& value) {
  curl_mimepart* part = curl_mime_addpart(mime);
  return part != nullptr && curl_mime_name(part, name) == CURLE_OK &&
         curl_mime_data(part, value.data(), value.size()) == CURLE_OK;
}

// A 2xx body as an image, checked against the images API's schema.
Result<ImageEditResult> ParseReply(const std::string& body, const std::string& api_key) {
  Result<json> parsed = ParseBoundedJson(body);
  if (!parsed.ok()) return Internal("image-generation provider sent a reply with " + parsed.status().message());
  const json& j = *parsed;
  if (j.is_discarded()) {
    return Internal("image-generation provider sent a reply that is not valid JSON: " + Clip(Redact(body, api_key)));
  }
  if (!j.is_object()) return Internal("image-generation provider sent a reply that is not a JSON object");
  if (j.contains("error") && !j["error"].is_null()) {
    return Internal("image-generation provider answered with an error: " +
                    provider_http::ProviderMessage(body, api_key));
  }
  if (!j.contains("data") || !j["data"].is_array() || j["data"].empty() || !j["data"][0].is_object()) {
    return Internal("image-generation provider sent a reply without data[0] (not an images response)");
  }
  const json& item = j["data"][0];
  if (!item.contains("b64_json") || !item["b64_json"].is_string()) {
    return Internal(item.contains("url")
                        ? "image-generation provider sent a URL instead of b64_json; Iris does not fetch provider URLs"
                        : "image-generation provider sent data[0] without b64_json");
  }
  std::optional<std::string> bytes = Base64Decode(item["b64_json"].get<std::string>());
  if (!bytes || bytes->empty()) return Internal("image-generation provider sent data[0].b64_json that is not base64");
  const std::string_view mime = SniffImageMime(*bytes);
  if (mime.empty()) return Internal("image-generation provider sent data[0].b64_json that is not a PNG, JPEG or WebP");
  ImageEditResult out;
  out.mime = std::string(mime);
  out.image = std::move(*bytes);
  return out;
}

}  // namespace

std::string_view SniffImageMime(std::string_view b) {
  if (b.starts_with("\x89PNG\r\n\x1a\n")) return "image/png";
  if (b.starts_with("\xFF\xD8\xFF")) return "image/jpeg";
  if (b.size() >= 12 && b.starts_with("RIFF") && b.substr(8, 4) == "WEBP") return "image/webp";
  return "";
}

ImageEditClient::ImageEditClient(GenerationConfig config)
    : config_(std::move(config)),
      endpoint_(Endpoint(config_.url)),
      limiter_(config_.max_concurrency),
      breaker_(provider_http::BreakerSettings(config_.backoff_max_ms)),
      rng_(std::random_device{}()) {}

Result<ImageEditResult> ImageEditClient::Edit(const ImageEditRequest& request) const {
  if (!configured()) return FailedPrecondition(kNotConfigured);
  const std::string scheme = AsciiLower(config_.url.substr(0, config_.url.find(':')));
  if (scheme != "http" && scheme != "https") {
    return FailedPrecondition("generation.url must start with http:// or https:// (e.g. https://api.openai.com/v1)");
  }
  if (config_.model.empty()) return FailedPrecondition("generation.model is empty; set the model name to send");
  if (config_.timeout_s <= 0) return FailedPrecondition("generation.timeout_s must be > 0");
  if (request.image.empty()) return InvalidArgument("no image bytes to edit");
  if (SniffImageMime(request.image) != request.image_mime) {
    return InvalidArgument("image edits need a PNG, JPEG or WebP image, not '" + Clip(request.image_mime) + "'");
  }
  if (request.prompt.empty()) return InvalidArgument("an image edit needs a prompt");

  provider_http::Call call;
  call.noun = "image-generation provider";
  call.section = "generation";
  call.log_prefix = "image_edit";
  call.endpoint = endpoint_;
  call.headers = {"Accept: application/json"};
  call.api_key = config_.api_key;
  call.timeout_s = config_.timeout_s;
  call.max_retries = config_.max_retries;
  call.backoff_max_ms = config_.backoff_max_ms;
  call.max_reply_bytes = kMaxReplyBytes;
  call.set_body = [this, &request](CURL* c) -> std::shared_ptr<void> {
    std::shared_ptr<curl_mime> mime(curl_mime_init(c), MimeDeleter());
    if (!mime) return nullptr;
    curl_mimepart* image = curl_mime_addpart(mime.get());
    bool ok = image != nullptr && curl_mime_name(image, "image") == CURLE_OK &&
              curl_mime_data(image, request.image.data(), request.image.size()) == CURLE_OK &&
              curl_mime_filename(image, FileNameFor(request.image_mime).c_str()) == CURLE_OK &&
              curl_mime_type(image, request.image_mime.c_str()) == CURLE_OK;
    ok = ok && AddField(mime.get(), "prompt", request.prompt) && AddField(mime.get(), "model", config_.model) &&
         AddField(mime.get(), "n", "1") && AddField(mime.get(), "size", config_.size);
    if (!config_.quality.empty()) ok = ok && AddField(mime.get(), "quality", config_.quality);
    ok = ok && curl_easy_setopt(c, CURLOPT_MIMEPOST, mime.get()) == CURLE_OK;
    return ok ? mime : nullptr;
  };
  call.limiter = &limiter_;
  call.breaker = &breaker_;
  call.next_delay = [this](int retry) {
    std::lock_guard lock(rng_mu_);
    return BackoffDelay(retry, config_.backoff_initial_ms, config_.backoff_max_ms, rng_);
  };
  call.model = config_.model;
  return provider_http::PostAndParse<ImageEditResult>(
      call, [this](const std::string& body) { return ParseReply(body, config_.api_key); });
}

}  // namespace iris
