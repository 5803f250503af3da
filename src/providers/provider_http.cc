#include "providers/provider_http.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/json_limits.h"
#include "core/logging.h"
#include "net/curl_handles.h"
#include "providers/retry_policy.h"

namespace iris::provider_http {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;
using std::chrono::milliseconds;

constexpr std::size_t kMaxQuotedChars = 300;  // of a provider's message, in our messages

struct Receiver {
  Exchange* exchange;
  std::size_t max_bytes;
};

size_t OnHeader(char* data, size_t size, size_t count, void* userdata) {
  auto* ex = static_cast<Receiver*>(userdata)->exchange;
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
  auto* receiver = static_cast<Receiver*>(userdata);
  Exchange* ex = receiver->exchange;
  const size_t len = size * count;
  if (ex->body.size() + len > receiver->max_bytes) {
    ex->too_large = true;
    return 0;
  }
  ex->body.append(data, len);
  return len;
}

// One POST.
Exchange Post(const Call& call) {
  Exchange ex;
  Receiver receiver{&ex, call.max_reply_bytes};
  std::unique_ptr<CURL, CurlEasyDeleter> easy(curl_easy_init());
  if (!easy) {
    ex.rc = CURLE_FAILED_INIT;
    return ex;
  }
  curl_slist* list = nullptr;
  for (const auto& h : call.headers) list = curl_slist_append(list, h.c_str());
  list = curl_slist_append(list, "Expect:");
  const std::string auth = call.api_key.empty() ? "" : "Authorization: Bearer " + call.api_key;
  if (!auth.empty()) list = curl_slist_append(list, auth.c_str());
  std::unique_ptr<curl_slist, CurlSlistDeleter> headers(list);

  const long timeout_ms = std::max(1L, static_cast<long>(call.timeout_s * 1000));
  char error[CURL_ERROR_SIZE] = "";
  CURL* c = easy.get();
  bool ok = headers != nullptr;
  ok = ok && curl_easy_setopt(c, CURLOPT_URL, call.endpoint.c_str()) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get()) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_USERAGENT, "iris/0.1") == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "") == CURLE_OK;  // all that libcurl decodes
  ok = ok && curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms, 10000L)) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &OnHeader) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_HEADERDATA, &receiver) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &OnBody) == CURLE_OK;
  ok = ok && curl_easy_setopt(c, CURLOPT_WRITEDATA, &receiver) == CURLE_OK;
  std::shared_ptr<void> body_holder = ok ? call.set_body(c) : nullptr;
  if (!ok || !body_holder) {
    ex.rc = CURLE_FAILED_INIT;
    return ex;
  }
  ex.rc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &ex.status);
  ex.error = error[0] != '\0' ? error : curl_easy_strerror(ex.rc);
  return ex;
}

// The final error for an answer that is not retried.
Status FinalHttpError(const Call& call, long status, const std::string& message) {
  const std::string code = std::to_string(status);
  if (status == 401 || status == 403) {
    return FailedPrecondition(call.noun + " answered " + code + " (check " + call.section + ".api_key): " + message);
  }
  if (status == 404) {
    return FailedPrecondition(call.noun + " answered 404 (check " + call.section + ".url and " + call.section +
                              ".model): " + message);
  }
  if (status == 400 || status == 413 || status == 422) {
    return Unprocessable(call.noun + " refused the request (HTTP " + code + "): " + message);
  }
  if (status >= 500) return Unavailable(call.noun + " answered " + code + ": " + message);
  return FailedPrecondition(call.noun + " answered " + code + " (check " + call.section + ".url): " + message);
}

}  // namespace

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

std::string Redact(std::string text, const std::string& key) {
  if (key.empty()) return text;
  for (std::size_t pos = text.find(key); pos != std::string::npos; pos = text.find(key, pos + 3)) {
    text.replace(pos, key.size(), "***");
  }
  return text;
}

std::string Clip(std::string_view text) {
  std::string out;
  for (char c : Trim(text)) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
  if (out.size() > kMaxQuotedChars) out = out.substr(0, kMaxQuotedChars) + "...";
  return out;
}

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

CircuitBreaker::Settings BreakerSettings(int backoff_max_ms) {
  CircuitBreaker::Settings settings;
  settings.failures_to_open = kBreakerFailures;
  settings.cool_down = milliseconds(std::max(0, backoff_max_ms));
  return settings;
}

Result<Answer> PostWithRetries(const Call& call) {
  if (InitCurlOnce() != CURLE_OK) return Internal("libcurl could not be initialised");
  const int max_attempts = 1 + std::max(0, call.max_retries);
  const auto slot_wait = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(call.timeout_s));
  long last_status = 0;   // of the last attempt; 0: it failed below HTTP
  std::string last_what;  // what went wrong in it
  bool last_timed_out = false;
  std::optional<milliseconds> last_retry_after;  // what the provider last asked for
  CircuitBreaker::Refusal refusal{};
  std::optional<CircuitBreaker::Admission> admission =
      call.breaker != nullptr ? call.breaker->Admit(&refusal) : std::nullopt;
  if (call.breaker != nullptr && !admission) {
    const double seconds = std::chrono::duration<double>(refusal.open_for).count();
    return Unavailable(
        call.noun + " is failing: its last " + std::to_string(refusal.failed_calls) + " calls failed (" +
        refusal.last_error + "); circuit open, " +
        (seconds > 0 ? "no call for another " + FormatSeconds(seconds) + " s" : "one trial call is in flight") +
        ", retry later");
  }
  for (int attempt = 1; attempt <= max_attempts; ++attempt) {
    const auto started = Clock::now();
    Exchange ex;
    {
      std::optional<ConcurrencyLimiter::Slot> slot = call.limiter->Acquire(slot_wait);
      if (!slot) {
        if (admission) admission->Neutral();  // congestion here, not the provider failing
        return Unavailable(call.noun + " busy: all " + std::to_string(call.limiter->limit()) + " slots (" +
                           call.section + ".max_concurrency) stayed in use for " + FormatSeconds(call.timeout_s) +
                           " s");
      }
      ex = Post(call);
    }
    const auto elapsed_ms = std::chrono::duration_cast<milliseconds>(Clock::now() - started).count();
    LogDebug(call.log_prefix + "_attempt", {{"attempt", attempt},
                                            {"status", ex.status},
                                            {"curl_code", static_cast<int>(ex.rc)},
                                            {"elapsed_ms", elapsed_ms},
                                            {"model", call.model}});
    if (ex.rc == CURLE_FAILED_INIT) return Internal("libcurl rejected a request option (libcurl 7.85 or newer)");
    if (ex.too_large && ex.status >= 200 && ex.status < 300) {
      return Internal(call.noun + " sent a reply larger than " + std::to_string(call.max_reply_bytes) + " bytes");
    }
    const bool answered = ex.rc == CURLE_OK || (ex.too_large && ex.status >= 300);
    if (answered && ex.status >= 200 && ex.status < 300) return Answer{std::move(ex), attempt};
    if (answered) {
      const std::string message = ProviderMessage(ex.body, call.api_key);
      if (!IsRetryableHttpStatus(ex.status)) {
        Status final_error = FinalHttpError(call, ex.status, message);
        LogWarn(call.log_prefix + "_failed",
                {{"attempt", attempt}, {"status", ex.status}, {"error", final_error.message()}});
        return final_error;
      }
      last_status = ex.status;
      last_what = message;
      last_timed_out = false;
    } else {
      last_status = 0;
      last_timed_out = ex.rc == CURLE_OPERATION_TIMEDOUT;
      last_what = last_timed_out ? "timed out after " + FormatSeconds(call.timeout_s) + " s"
                                 : Clip(Redact(ex.error, call.api_key));
    }
    const std::optional<milliseconds> asked = ex.retry_after_ms ? ex.retry_after_ms : ex.retry_after;
    if (answered && asked) last_retry_after = asked;
    if (attempt == max_attempts) break;
    milliseconds delay = call.next_delay(attempt);
    if (answered && asked) delay = std::min(*asked, milliseconds(std::max(0, call.backoff_max_ms)));
    LogWarn(call.log_prefix + "_retry", {{"attempt", attempt},
                                         {"status", last_status},
                                         {"error", last_what},
                                         {"delay_ms", delay.count()},
                                         {"retry_after", answered && asked.has_value()}});
    std::this_thread::sleep_for(delay);
  }

  Status final_error;
  if (last_status != 0) {
    final_error = Unavailable(call.noun + " answered " + std::to_string(last_status) + " after " +
                              Attempts(max_attempts) + ": " + last_what);
  } else if (last_timed_out) {
    final_error = Unavailable(call.noun + " timed out after " + Attempts(max_attempts) + " (" +
                              FormatSeconds(call.timeout_s) + " s each; " + call.section + ".timeout_s)");
  } else {
    final_error = Unavailable(call.noun + " could not be reached after " + Attempts(max_attempts) + ": " + last_what);
  }
  LogWarn(call.log_prefix + "_failed", {{"attempts", max_attempts}, {"error", final_error.message()}});
  if (admission) {
    admission->Failed(last_retry_after, final_error.message());
    if (call.breaker->open()) {
      LogWarn(call.log_prefix + "_circuit_open", {{"error", final_error.message()}});
    }
  }
  return final_error;
}

void LogRefusedAnswer(const Call& call, const Answer& answer, const Status& error) {
  LogWarn(call.log_prefix + "_failed",
          {{"attempt", answer.attempts}, {"status", answer.exchange.status}, {"error", error.message()}});
}

}  // namespace iris::provider_http
