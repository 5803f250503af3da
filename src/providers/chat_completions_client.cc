#include "providers/chat_completions_client.h"

#include <algorithm>
#include <climits>
#include <memory>
#include <mutex>
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
using provider_http::ProviderMessage;
using provider_http::Redact;
using provider_http::Trim;
using std::chrono::milliseconds;

constexpr std::size_t kMaxReplyBytes = 4 << 20;  // a caption reply is a few KiB
constexpr std::string_view kChatPath = "/chat/completions";
constexpr const char* kNotConfigured =
    "no captioning provider is configured; set captions.url (IRIS_CAPTIONS_URL), captions.model and "
    "captions.api_key — any OpenAI-compatible chat-completions API with image input works (OpenAI, Gemini, vLLM, "
    "llama.cpp, Ollama)";

std::optional<int> IntField(const json& object, const char* name) {
  if (!object.is_object() || !object.contains(name) || !object[name].is_number_integer()) return std::nullopt;
  const auto v = object[name].get<std::int64_t>();
  if (v < 0 || v > INT_MAX) return std::nullopt;
  return static_cast<int>(v);
}

// A 2xx body as a caption, checked against the chat-completion schema.
Result<CaptionResult> ParseReply(const std::string& body, const CaptionsConfig& config) {
  Result<json> parsed = ParseBoundedJson(body);
  if (!parsed.ok()) return Internal("captioning provider sent a reply with " + parsed.status().message());
  const json& j = *parsed;
  if (j.is_discarded()) {
    return Internal("captioning provider sent a reply that is not valid JSON: " + Clip(Redact(body, config.api_key)));
  }
  if (!j.is_object()) return Internal("captioning provider sent a reply that is not a JSON object");
  if (j.contains("error") && !j["error"].is_null()) {
    return Internal("captioning provider answered with an error: " + ProviderMessage(body, config.api_key));
  }
  if (!j.contains("choices") || !j["choices"].is_array() || j["choices"].empty() || !j["choices"][0].is_object()) {
    return Internal("captioning provider sent a reply without choices[0] (not a chat completion): " +
                    Clip(Redact(body, config.api_key)));
  }
  const json& choice = j["choices"][0];
  if (!choice.contains("message") || !choice["message"].is_object()) {
    return Internal("captioning provider sent a reply without choices[0].message");
  }
  const json& message = choice["message"];
  CaptionResult out;
  if (choice.contains("finish_reason") && choice["finish_reason"].is_string()) {
    out.finish_reason = choice["finish_reason"].get<std::string>();
  }
  const json content = message.contains("content") ? message["content"] : json();
  if (content.is_string()) {
    out.text = content.get<std::string>();
  } else if (content.is_array()) {
    for (const json& part : content) {
      if (!part.is_object() || !part.contains("type") || !part["type"].is_string()) {
        return Internal("captioning provider sent a content part without a type in choices[0].message.content");
      }
      if (part["type"] != "text") continue;
      if (!part.contains("text") || !part["text"].is_string()) {
        return Internal("captioning provider sent a text part without a text string in choices[0].message.content");
      }
      out.text += part["text"].get<std::string>();
    }
  } else if (content.is_null() && message.contains("refusal") && message["refusal"].is_string()) {
    return Unprocessable("captioning provider refused to describe the image: " +
                         Clip(Redact(message["refusal"].get<std::string>(), config.api_key)));
  } else if (!content.is_null()) {
    return Internal(
        "captioning provider sent a choices[0].message.content that is neither a string nor an array of text parts");
  }
  out.text = std::string(Trim(out.text));
  if (out.text.empty()) {
    std::string why = out.finish_reason.empty() ? "" : " (finish_reason \"" + Clip(out.finish_reason) + "\")";
    if (out.finish_reason == "length") why += "; max_length may be too small for this model";
    return Unprocessable("captioning provider returned an empty caption" + why);
  }
  out.model = j.contains("model") && j["model"].is_string() ? j["model"].get<std::string>() : config.model;
  if (j.contains("usage")) {
    out.prompt_tokens = IntField(j["usage"], "prompt_tokens");
    out.completion_tokens = IntField(j["usage"], "completion_tokens");
  }
  return out;
}

std::string Endpoint(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (url.ends_with(kChatPath)) return url;
  return url + std::string(kChatPath);
}

bool IsSupportedMime(std::string_view mime) {
  return mime == "image/jpeg" || mime == "image/png" || mime == "image/webp" || mime == "image/gif";
}

}  // namespace

ChatCompletionsClient::ChatCompletionsClient(CaptionsConfig config)
    : config_(std::move(config)),
      endpoint_(Endpoint(config_.url)),
      limiter_(config_.max_concurrency),
      breaker_(provider_http::BreakerSettings(config_.backoff_max_ms)),
      rng_(std::random_device{}()) {}

milliseconds ChatCompletionsClient::NextDelay(int retry) const {
  std::lock_guard lock(rng_mu_);
  return BackoffDelay(retry, config_.backoff_initial_ms, config_.backoff_max_ms, rng_);
}

Result<CaptionResult> ChatCompletionsClient::DescribeImage(std::string_view image, std::string_view mime,
                                                           const CaptionRequest& request) const {
  const LabelledImage one{"", image, mime};
  return DescribeImages(std::span<const LabelledImage>(&one, 1), request);
}

Result<CaptionResult> ChatCompletionsClient::DescribeImages(std::span<const LabelledImage> images,
                                                            const CaptionRequest& request) const {
  if (!configured()) return FailedPrecondition(kNotConfigured);
  const std::string scheme = AsciiLower(config_.url.substr(0, config_.url.find(':')));
  if (scheme != "http" && scheme != "https") {
    return FailedPrecondition("captions.url must start with http:// or https:// (e.g. https://api.openai.com/v1)");
  }
  if (config_.model.empty()) return FailedPrecondition("captions.model is empty; set the model name to send");
  if (config_.timeout_s <= 0) return FailedPrecondition("captions.timeout_s must be > 0");
  if (images.empty()) return InvalidArgument("no image to describe");
  json content = json::array({{{"type", "text"}, {"text", request.prompt.empty() ? config_.prompt : request.prompt}}});
  for (const LabelledImage& image : images) {
    if (image.bytes.empty()) return InvalidArgument("no image bytes to describe");
    if (!IsSupportedMime(image.mime)) {
      return InvalidArgument("captioning needs a JPEG, PNG, WebP or GIF image, not '" + Clip(image.mime) + "'");
    }
    if (!image.label.empty()) content.push_back({{"type", "text"}, {"text", image.label}});
    content.push_back(
        {{"type", "image_url"},
         {"image_url", {{"url", "data:" + std::string(image.mime) + ";base64," + Base64Encode(image.bytes)}}}});
  }
  if (request.max_tokens < 1) return InvalidArgument("max_length must be at least 1 token");

  const json base_payload = {{"model", config_.model},
                             {"messages", json::array({{{"role", "user"}, {"content", std::move(content)}}})},
                             {"max_tokens", request.max_tokens}};
  json payload = base_payload;
  if (request.json_schema) {
    payload["response_format"] = {
        {"type", "json_schema"},
        {"json_schema", {{"name", request.json_schema_name}, {"strict", true}, {"schema", *request.json_schema}}}};
  }
  const std::string body = payload.dump(-1, ' ', false, json::error_handler_t::replace);

  provider_http::Call call;
  call.noun = "captioning provider";
  call.section = "captions";
  call.log_prefix = "caption";
  call.endpoint = endpoint_;
  call.headers = {"Content-Type: application/json", "Accept: application/json"};
  call.api_key = config_.api_key;
  call.timeout_s = config_.timeout_s;
  call.max_retries = config_.max_retries;
  call.backoff_max_ms = config_.backoff_max_ms;
  call.max_reply_bytes = kMaxReplyBytes;
  call.set_body = [&body](CURL* c) -> std::shared_ptr<void> {
    bool ok = curl_easy_setopt(c, CURLOPT_POST, 1L) == CURLE_OK;
    ok = ok && curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data()) == CURLE_OK;
    ok = ok && curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size())) == CURLE_OK;
    return ok ? std::make_shared<int>(0) : nullptr;
  };
  call.limiter = &limiter_;
  call.breaker = &breaker_;
  call.next_delay = [this](int retry) { return NextDelay(retry); };
  call.model = config_.model;
  return provider_http::PostAndParse<CaptionResult>(
      call, [this](const std::string& reply) { return ParseReply(reply, config_); });
}

}  // namespace iris
