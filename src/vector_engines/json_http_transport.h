// JsonHttpTransport: the retrying JSON-over-HTTP transport under the external vector engines' clients
// (QdrantClient, MilvusClient). It knows HTTP, timeouts and retries; what a reply means (where the result
// sits, which errors are whose) is the engine client's business.
//
// Send(method, path, body) sends `body` (JSON text; none for GET and DELETE) to <url><path> with
// "Content-Type: application/json" and the caller's extra header lines (an API key or a bearer token:
// they go into the request only, never into a status message or a log line), and returns the reply's
// HTTP status and body. Every request the engines make is idempotent (upserts and deletes by id, creates
// that fail or do nothing when the collection exists), so network errors, timeouts and the replies the
// caller's RetryJudge calls transient (by default 429 and 5xx, IsRetryableHttpStatus) are retried up to
// max_retries times with exponential backoff and full jitter (providers/retry_policy.h). Redirects are not
// followed (the secret would go with them).
//
// Errors: after the last attempt, a transient failure is kUnavailable("<Service> <method> <path>: <why>"),
// where a network failure's <why> is libcurl's generic text (no host or port: the message may reach an
// HTTP client in a 503; the retry log line has the full libcurl message);
// a reply over max_reply_bytes is kInternal; a bad url or timeout is kInvalidArgument naming the settings
// (<setting_prefix>_url, <setting_prefix>_timeout_s). Each retry logs "<service>.retry" (lower case).
// Thread-safety: Send may run on any number of threads at once (one curl handle per attempt).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace iris {

struct JsonHttpTransportOptions {
  std::string url;                        // http(s)://host[:port][/prefix]; trailing slashes are dropped
  std::string service;                    // "Qdrant", "Milvus": names the engine in messages and log events
  std::string setting_prefix;             // "storage.qdrant": names the settings in configuration errors
  std::vector<std::string> header_lines;  // e.g. "api-key: K", "Authorization: Bearer T" (secret)
  double timeout_s = 30;                  // one attempt, connect included (connect at most 5 s)
  int max_retries = 3;
  int backoff_initial_ms = 100;
  int backoff_max_ms = 2000;
  std::size_t max_reply_bytes = 256u << 20;
};

struct JsonHttpReply {
  long status = 0;
  std::string body;
};

class JsonHttpTransport {
 public:
  // Whether a complete reply is worth another attempt: the reason (quoted in the log and, after the
  // last attempt, in the kUnavailable status), or nullopt to hand the reply to the caller.
  using RetryJudge = std::function<std::optional<std::string>(const JsonHttpReply&)>;

  static Result<JsonHttpTransport> Create(JsonHttpTransportOptions options);

  // `body` null: no request body. `retry` empty: IsRetryableHttpStatus.
  Result<JsonHttpReply> Send(const std::string& method, const std::string& path, const std::string* body,
                             const RetryJudge& retry = {}) const;

  const std::string& url() const { return options_.url; }
  const std::string& service() const { return options_.service; }

 private:
  explicit JsonHttpTransport(JsonHttpTransportOptions options) : options_(std::move(options)) {}
  // A network failure is kUnavailable with libcurl's generic text ("Couldn't connect to server"), which
  // names no host; `detail` gets libcurl's full message (host, port, errno) for the log.
  Result<JsonHttpReply> Attempt(const std::string& method, const std::string& url, const std::string* body,
                                std::string& detail) const;

  JsonHttpTransportOptions options_;
};

}  // namespace iris
