#include "providers/chat_completions_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdio>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/base64.h"
#include "core/json_limits.h"
#include "core/logging.h"
#include "net/curl_handles.h"
#include "providers/retry_policy.h"

namespace iris {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;
using std::chrono::milliseconds;

constexpr std::size_t kMaxReplyBytes = 4 << 20;  // a caption reply is a few KiB
constexpr std::size_t kMaxQuotedChars = 300;     // of a provider's message, in our messages
constexpr std::string_view kChatPath = "/chat/completions";
constexpr const char* kNotConfigured =
    "no captioning provider is configured; set captions.url (IRIS_CAPTIONS_URL), captions.model and "
    "captions.api_key — any OpenAI-compatible chat-completions API with image input works (OpenAI, Gemini, vLLM, "
    "llama.cpp, Ollama)";

std::string_view Trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::string FormatSeconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", s);
  return buf;
}

std::string Attempts(int n) { return std::to_string(n) + (n == 1 ? " attempt" : " attempts"); }

// Replaces every occurrence of the key; applied to all text that came from outside.
std::string Redact(std::string text, const std::string& key) {
  if (key.empty()) return text;
  for (std::size_t pos = text.find(key); pos != std::string::npos; pos = text.find(key, pos + 3)) {
    text.replace(pos, key.size(), "***");
  }
  return text;
}

// Control characters become spaces; long text is cut (after redaction, so no key prefix survives).
std::string Clip(std::string_view text) {
  std::string out;
  for (char c : Trim(text)) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
  if (out.size() > kMaxQuotedChars) out = out.substr(0, kMaxQuotedChars) + "...";
  return out;
}

// The human-readable part of an error answer: OpenAI's {"error": {"message": ...}} (also as the
// first element of an array, as Gemini sends it), {"error": "..."}, {"message"|"detail": "..."},
// or else the body itself.
std::string ProviderMessage(const std::string& body, const std::string& key) {
  Result<json> parsed = ParseBoundedJson(body);  // too deep: quoted as text below, never built
  json j = parsed.ok() ? std::move(parsed).value() : json(json::value_t::discarded);
  if (j.is_array() && !j.empty()) j = j[0];
  std::string message;
  if (j.is_object()) {
    const json* error = j.contains("error") ? &j["error"] : &j;
    if (error->is_string()) {
      message = error->get<std::string>();
    } else if (error->is_object()) {
      for (const char* field : {"message", "detail"}) {
        if (error->contains(field) && (*error)[field].is_string()) {
          message = (*error)[field].get<std::string>();
          break;
        }
      }
    }
  }
  if (message.empty()) message = body.empty() ? "(empty body)" : body;
  return Clip(Redact(message, key));
}

// What one HTTP attempt brought back.
struct Exchange {
  CURLcode rc = CURLE_OK;
  std::string error;  // libcurl's text for rc
  long status = 0;
  std::string body;
  bool too_large = false;
  std::optional<milliseconds> retry_after;
  std::optional<milliseconds> retry_after_ms;
};

size_t OnHeader(char* data, size_t size, size_t count, void* userdata) {
  auto* ex = static_cast<Exchange*>(userdata);
  const size_t len = size * count;
  std::string_view line(data, len);
  if (line.starts_with("HTTP/")) {  // a new response (after a 1xx one): forget the last one's headers
    ex->retry_after.reset();
    ex->retry_after_ms.reset();
    return len;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return len;
  std::string name = AsciiLower(Trim(line.substr(0, colon)));
  std::string_view value = Trim(line.substr(colon + 1));
  if (name == "retry-after") ex->retry_after = ParseRetryAfter(value, std::chrono::system_clock::now());
  if (name == "retry-after-ms") ex->retry_after_ms = ParseRetryAfterMs(value);
  return len;
}

size_t OnBody(char* data, size_t size, size_t count, void* userdata) {
  auto* ex = static_cast<Exchange*>(userdata);
  const size_t len = size * count;
  if (ex->body.size() + len > kMaxReplyBytes) {
    ex->too_large = true;
    return 0;
  }
  ex->body.append(data, len);
  return len;
}

// One POST of `body` to `endpoint`.
Exchange Post(const std::string& endpoint, const std::string& body, const std::string& api_key, double timeout_s) {
  Exchange ex;
  std::unique_ptr<CURL, CurlEasyDeleter> easy(curl_easy_init());
  if (!easy) {
    ex.rc = CURLE_FAILED_INIT;
    return ex;
  }
  curl_slist* list = nullptr;
  std::string auth = api_key.empty() ? "" : "Authorization: Bearer " + api_key;
  for (const char* h : {"Content-Type: application/json", "Accept: application/json", "Expect:"}) {
    list = curl_slist_append(list, h);
  }
  if (!auth.empty()) list = curl_slist_append(list, auth.c_str());
  std::unique_ptr<curl_slist, CurlSlistDeleter> headers(list);

  const long timeout_ms = std::max(1L, static_cast<long>(timeout_s * 1000));
  char error[CURL_ERROR_SIZE] = "";
  CURL* c = easy.get();
  bool ok = headers != nullptr;
  ok = ok && curl_easy_setopt(c, CURLOPT_URL, endpoint.c_str()) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_POST, 1L) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data()) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size())) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get()) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_USERAGENT, "iris/0.1") == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "") == CURLE_OK;  // all that libcurl decodes
  ok = ok && curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms, 10000L)) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &OnHeader) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_HEADERDATA, &ex) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &OnBody) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_WRITEDATA, &ex) == CURLE_OK;
  if (!ok) {
    ex.rc = CURLE_FAILED_INIT;
    return ex;
  }
  ex.rc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &ex.status);
  ex.error = error[0] != '\0' ? error : curl_easy_strerror(ex.rc);
  return ex;
}

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

// The final error for an answer that is not retried.
Status FinalHttpError(long status, const std::string& message) {
  const std::string code = std::to_string(status);
  if (status == 401 || status == 403) {
    return FailedPrecondition("captioning provider answered " + code + " (check captions.api_key): " + message);
  }
  if (status == 404) {
    return FailedPrecondition("captioning provider answered 404 (check captions.url and captions.model): " + message);
  }
  if (status == 400 || status == 413 || status == 422) {
    return Unprocessable("captioning provider refused the request (HTTP " + code + "): " + message);
  }
  if (status >= 500) return Unavailable("captioning provider answered " + code + ": " + message);
  return FailedPrecondition("captioning provider answered " + code + " (check captions.url): " + message);
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
      rng_(std::random_device{}()) {}

milliseconds ChatCompletionsClient::NextDelay(int retry) const {
  std::lock_guard lock(rng_mu_);
  return BackoffDelay(retry, config_.backoff_initial_ms, config_.backoff_max_ms, rng_);
}

Result<CaptionResult> ChatCompletionsClient::DescribeImage(std::string_view image, std::string_view mime,
                                                           const CaptionRequest& request) const {
  if (!configured()) return FailedPrecondition(kNotConfigured);
  const std::string scheme = AsciiLower(config_.url.substr(0, config_.url.find(':')));
  if (scheme != "http" && scheme != "https") {
    return FailedPrecondition("captions.url must start with http:// or https:// (e.g. https://api.openai.com/v1)");
  }
  if (config_.model.empty()) return FailedPrecondition("captions.model is empty; set the model name to send");
  if (config_.timeout_s <= 0) return FailedPrecondition("captions.timeout_s must be > 0");
  if (image.empty()) return InvalidArgument("no image bytes to describe");
  if (!IsSupportedMime(mime)) {
    return InvalidArgument("captioning needs a JPEG, PNG, WebP or GIF image, not '" + Clip(mime) + "'");
  }
  if (request.max_tokens < 1) return InvalidArgument("max_length must be at least 1 token");
  if (InitCurlOnce() != CURLE_OK) return Internal("libcurl could not be initialised");

  const json base_payload = {
      {"model", config_.model},
      {"messages",
       json::array(
           {{{"role", "user"},
             {"content",
              json::array(
                  {{{"type", "text"}, {"text", request.prompt.empty() ? config_.prompt : request.prompt}},
                   {{"type", "image_url"},
                    {"image_url", {{"url", "data:" + std::string(mime) + ";base64," + Base64Encode(image)}}}}})}}})},
      {"max_tokens", request.max_tokens}};
  json payload = base_payload;
  if (request.json_schema) {
    payload["response_format"] = {
        {"type", "json_schema"},
        {"json_schema", {{"name", request.json_schema_name}, {"strict", true}, {"schema", *request.json_schema}}}};
  }
  const std::string body = payload.dump(-1, ' ', false, json::error_handler_t::replace);

  const int max_attempts = 1 + std::max(0, config_.max_retries);
  const auto slot_wait = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(config_.timeout_s));
  long last_status = 0;   // of the last attempt; 0: it failed below HTTP
  std::string last_what;  // what went wrong in it
  bool last_timed_out = false;
  for (int attempt = 1; attempt <= max_attempts; ++attempt) {
    const auto started = Clock::now();
    Exchange ex;
    {
      std::optional<ConcurrencyLimiter::Slot> slot = limiter_.Acquire(slot_wait);
      if (!slot) {
        return Unavailable("captioning provider busy: all " + std::to_string(limiter_.limit()) +
                           " slots (captions.max_concurrency) stayed in use for " + FormatSeconds(config_.timeout_s) +
                           " s");
      }
      ex = Post(endpoint_, body, config_.api_key, config_.timeout_s);
    }
    const auto elapsed_ms = std::chrono::duration_cast<milliseconds>(Clock::now() - started).count();
    LogDebug("caption_attempt", {{"attempt", attempt},
                                 {"status", ex.status},
                                 {"curl_code", static_cast<int>(ex.rc)},
                                 {"elapsed_ms", elapsed_ms},
                                 {"model", config_.model}});
    if (ex.rc == CURLE_FAILED_INIT) return Internal("libcurl rejected a request option (libcurl 7.85 or newer)");
    if (ex.too_large && ex.status >= 200 && ex.status < 300) {
      return Internal("captioning provider sent a reply larger than " + std::to_string(kMaxReplyBytes) + " bytes");
    }
    const bool answered = ex.rc == CURLE_OK || (ex.too_large && ex.status >= 300);
    if (answered && ex.status >= 200 && ex.status < 300) {
      Result<CaptionResult> parsed = ParseReply(ex.body, config_);
      if (!parsed.ok()) {
        LogWarn("caption_failed", {{"attempt", attempt}, {"status", ex.status}, {"error", parsed.status().message()}});
        return parsed.status();
      }
      parsed->attempts = attempt;
      return parsed;
    }
    if (answered) {
      const std::string message = ProviderMessage(ex.body, config_.api_key);
      if (!IsRetryableHttpStatus(ex.status)) {
        Status final_error = FinalHttpError(ex.status, message);
        LogWarn("caption_failed", {{"attempt", attempt}, {"status", ex.status}, {"error", final_error.message()}});
        return final_error;
      }
      last_status = ex.status;
      last_what = message;
      last_timed_out = false;
    } else {
      last_status = 0;
      last_timed_out = ex.rc == CURLE_OPERATION_TIMEDOUT;
      last_what = last_timed_out ? "timed out after " + FormatSeconds(config_.timeout_s) + " s"
                                 : Clip(Redact(ex.error, config_.api_key));
    }
    if (attempt == max_attempts) break;
    milliseconds delay = NextDelay(attempt);
    std::optional<milliseconds> asked = ex.retry_after_ms ? ex.retry_after_ms : ex.retry_after;
    if (answered && asked) delay = std::min(*asked, milliseconds(std::max(0, config_.backoff_max_ms)));
    LogWarn("caption_retry", {{"attempt", attempt},
                              {"status", last_status},
                              {"error", last_what},
                              {"delay_ms", delay.count()},
                              {"retry_after", answered && asked.has_value()}});
    std::this_thread::sleep_for(delay);
  }

  Status final_error;
  if (last_status != 0) {
    final_error = Unavailable("captioning provider answered " + std::to_string(last_status) + " after " +
                              Attempts(max_attempts) + ": " + last_what);
  } else if (last_timed_out) {
    final_error = Unavailable("captioning provider timed out after " + Attempts(max_attempts) + " (" +
                              FormatSeconds(config_.timeout_s) + " s each; captions.timeout_s)");
  } else {
    final_error =
        Unavailable("captioning provider could not be reached after " + Attempts(max_attempts) + ": " + last_what);
  }
  LogWarn("caption_failed", {{"attempts", max_attempts}, {"error", final_error.message()}});
  return final_error;
}

}  // namespace iris
