#include "vector_engines/qdrant_client.h"

#include <algorithm>
#include <random>
#include <thread>

#include "core/logging.h"
#include "net/curl_handles.h"
#include "providers/retry_policy.h"

namespace iris {
namespace {

struct BodySink {
  std::string text;
  bool too_large = false;
};

std::size_t OnBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  if (sink->text.size() + size * count > kMaxQdrantReplyBytes) {
    sink->too_large = true;
    return 0;  // aborts the transfer
  }
  sink->text.append(data, size * count);
  return size * count;
}

// Qdrant's {"status": {"error": "..."}}, or the start of the body.
std::string ErrorText(const std::string& body) {
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_object() && parsed.contains("status") && parsed["status"].is_object() &&
      parsed["status"].contains("error") && parsed["status"]["error"].is_string()) {
    return parsed["status"]["error"].get<std::string>();
  }
  return body.substr(0, 300);
}

}  // namespace

struct QdrantClient::Reply {
  long status = 0;
  std::string body;
};

Result<QdrantClient> QdrantClient::Create(QdrantClientOptions options) {
  if (!options.url.starts_with("http://") && !options.url.starts_with("https://")) {
    return InvalidArgument("storage.qdrant_url must be http(s)://host:port, not '" + options.url + "'");
  }
  while (options.url.ends_with('/')) options.url.pop_back();
  if (options.timeout_s <= 0) return InvalidArgument("storage.qdrant_timeout_s must be positive");
  if (InitCurlOnce() != CURLE_OK) return Internal("libcurl initialisation failed");
  return QdrantClient(std::move(options));
}

Result<QdrantClient::Reply> QdrantClient::Attempt(const std::string& method, const std::string& url,
                                                  const std::string* body) const {
  CurlEasyHandle handle(curl_easy_init());
  if (!handle) return Internal("curl_easy_init failed");
  CURL* c = handle.get();
  CurlHeaderList headers;
  auto add_header = [&](const std::string& line) { headers.reset(curl_slist_append(headers.release(), line.c_str())); };
  add_header("Content-Type: application/json");
  add_header("Expect:");
  if (!options_.api_key.empty()) add_header("api-key: " + options_.api_key);
  BodySink sink;
  char error[CURL_ERROR_SIZE] = {0};
  const long timeout_ms = static_cast<long>(options_.timeout_s * 1000);
  bool ok = curl_easy_setopt(c, CURLOPT_URL, url.c_str()) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms, 5000L)) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &OnBody) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str()) == CURLE_OK;
  if (body) {
    ok = ok && curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data()) == CURLE_OK;
    ok = ok && curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size())) == CURLE_OK;
  }
  ok = ok && curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get()) == CURLE_OK;
  if (!ok) return Internal("configuring the Qdrant request failed");
  const CURLcode rc = curl_easy_perform(c);
  if (sink.too_large) {
    return Internal("Qdrant " + method + " answered more than " + std::to_string(kMaxQdrantReplyBytes) + " bytes");
  }
  if (rc != CURLE_OK) return Unavailable(std::string(error[0] ? error : curl_easy_strerror(rc)));
  Reply reply;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply.status);
  reply.body = std::move(sink.text);
  return reply;
}

Result<nlohmann::json> QdrantClient::Call(const std::string& method, const std::string& path,
                                          const std::optional<nlohmann::json>& body) const {
  const std::string url = options_.url + path;
  const std::string text = body ? body->dump() : std::string();
  thread_local std::mt19937_64 rng{std::random_device{}()};
  Status last;
  for (int attempt = 0; attempt <= options_.max_retries; ++attempt) {
    if (attempt > 0) {
      std::this_thread::sleep_for(BackoffDelay(attempt, options_.backoff_initial_ms, options_.backoff_max_ms, rng));
    }
    auto reply = Attempt(method, url, body ? &text : nullptr);
    const std::string what = "Qdrant " + method + " " + path;
    if (!reply.ok()) {
      if (reply.status().code() != StatusCode::kUnavailable) return reply.status().WithContext(what);
      last = Unavailable(what + ": " + reply.status().message());
      LogWarn("qdrant.retry", {{"request", what}, {"attempt", attempt + 1}, {"error", reply.status().message()}});
      continue;
    }
    const long status = reply->status;
    if (status >= 200 && status < 300) {
      auto parsed = nlohmann::json::parse(reply->body, nullptr, false);
      if (!parsed.is_object() || !parsed.contains("result"))
        return Internal(what + ": the answer is not Qdrant's JSON");
      return std::move(parsed["result"]);
    }
    const std::string message = what + ": HTTP " + std::to_string(status) + ": " + ErrorText(reply->body);
    if (IsRetryableHttpStatus(status)) {
      last = Unavailable(message);
      LogWarn("qdrant.retry", {{"request", what}, {"attempt", attempt + 1}, {"status", status}});
      continue;
    }
    if (status == 404) return NotFound(message);
    if (status == 409 || (status == 400 && message.find("already exists") != std::string::npos)) {
      return AlreadyExists(message);
    }
    if (status == 400 || status == 422) return InvalidArgument(message);
    if (status == 401 || status == 403) return FailedPrecondition(message + " (check storage.qdrant_api_key)");
    return Internal(message);
  }
  return last;
}

Status QdrantClient::ScrollAll(const std::string& collection, const std::string& payload_field,
                               const std::function<Status(const nlohmann::json& point)>& fn) const {
  nlohmann::json next = nullptr;
  do {
    nlohmann::json body = {{"limit", 1000}, {"with_payload", {{"include", {payload_field}}}}, {"with_vector", false}};
    if (!next.is_null()) body["offset"] = next;
    IRIS_ASSIGN_OR_RETURN(nlohmann::json page, Call("POST", "/collections/" + collection + "/points/scroll", body));
    if (!page.is_object() || !page.contains("points") || !page["points"].is_array()) {
      return Internal("Qdrant scroll answered no point list");
    }
    for (const auto& point : page["points"]) IRIS_RETURN_IF_ERROR(fn(point));
    next = page.value("next_page_offset", nlohmann::json());
  } while (!next.is_null());
  return Status::Ok();
}

}  // namespace iris
