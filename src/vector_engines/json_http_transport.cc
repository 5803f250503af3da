#include "vector_engines/json_http_transport.h"

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
  std::size_t limit = 0;
  bool too_large = false;
};

std::size_t OnBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  if (sink->text.size() + size * count > sink->limit) {
    sink->too_large = true;
    return 0;  // aborts the transfer
  }
  sink->text.append(data, size * count);
  return size * count;
}

}  // namespace

Result<JsonHttpTransport> JsonHttpTransport::Create(JsonHttpTransportOptions options) {
  if (!options.url.starts_with("http://") && !options.url.starts_with("https://")) {
    std::string message = options.setting_prefix;
    message += "_url must be http(s)://host:port, not '";
    message += options.url;
    message += "'";
    return InvalidArgument(std::move(message));
  }
  while (options.url.ends_with('/')) options.url.pop_back();
  if (!(options.timeout_s > 0)) {
    std::string message = options.setting_prefix;
    message += "_timeout_s must be positive";
    return InvalidArgument(std::move(message));
  }
  if (InitCurlOnce() != CURLE_OK) return Internal("libcurl initialisation failed");
  return JsonHttpTransport(std::move(options));
}

Result<JsonHttpReply> JsonHttpTransport::Attempt(const std::string& method, const std::string& url,
                                                 const std::string* body, std::string& detail) const {
  CurlEasyHandle handle(curl_easy_init());
  if (!handle) return Internal("curl_easy_init failed");
  CURL* c = handle.get();
  CurlHeaderList headers;
  auto add_header = [&](const std::string& line) { headers.reset(curl_slist_append(headers.release(), line.c_str())); };
  add_header("Content-Type: application/json");
  add_header("Expect:");
  for (const std::string& line : options_.header_lines) add_header(line);
  BodySink sink;
  sink.limit = options_.max_reply_bytes;
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
  if (!ok) {
    std::string message = "configuring the ";
    message += options_.service;
    message += " request failed";
    return Internal(std::move(message));
  }
  const CURLcode rc = curl_easy_perform(c);
  if (sink.too_large) {
    std::string message = options_.service;
    message += " ";
    message += method;
    message += " answered more than ";
    message += std::to_string(options_.max_reply_bytes);
    message += " bytes";
    return Internal(std::move(message));
  }
  if (rc != CURLE_OK) {
    detail = error[0] ? error : curl_easy_strerror(rc);
    return Unavailable(curl_easy_strerror(rc));
  }
  JsonHttpReply reply;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply.status);
  reply.body = std::move(sink.text);
  return reply;
}

Result<JsonHttpReply> JsonHttpTransport::Send(const std::string& method, const std::string& path,
                                              const std::string* body, const RetryJudge& retry) const {
  const std::string url = options_.url + path;
  std::string what = options_.service;
  what += " ";
  what += method;
  what += " ";
  what += path;
  const std::string event = AsciiLower(options_.service) + ".retry";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  Status last;
  for (int attempt = 0; attempt <= options_.max_retries; ++attempt) {
    if (attempt > 0) {
      std::this_thread::sleep_for(BackoffDelay(attempt, options_.backoff_initial_ms, options_.backoff_max_ms, rng));
    }
    std::string detail;
    auto reply = Attempt(method, url, body, detail);
    if (!reply.ok()) {
      if (reply.status().code() != StatusCode::kUnavailable) return reply.status().WithContext(what);
      last = Unavailable(what + ": " + reply.status().message());
      LogWarn(event, {{"request", what}, {"attempt", attempt + 1}, {"error", detail}});
      continue;
    }
    std::optional<std::string> transient;
    if (retry) {
      transient = retry(*reply);
    } else if (IsRetryableHttpStatus(reply->status)) {
      std::string why = "HTTP ";
      why += std::to_string(reply->status);
      why += ": ";
      why += reply->body.substr(0, 300);
      transient = std::move(why);
    }
    if (!transient) return reply;
    last = Unavailable(what + ": " + *transient);
    LogWarn(event, {{"request", what}, {"attempt", attempt + 1}, {"status", reply->status}, {"error", *transient}});
  }
  return last;
}

}  // namespace iris
