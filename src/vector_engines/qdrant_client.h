// QdrantClient: JSON requests to one Qdrant server's REST API (https://api.qdrant.tech), the client
// under QdrantCollectionStore.
//
// Call(method, path, body) sends `body` (JSON; none for GET and DELETE) to <url><path> with
// "api-key: <key>" when a key is set, and returns the reply's "result" member. Qdrant answers every
// request as {"result": ..., "status": "ok", "time": s} or, on failure, {"status": {"error": "..."}}.
// The transport is JsonHttpTransport (json_http_transport.h): network errors, timeouts, 429 and 5xx are
// retried up to max_retries times with exponential backoff and full jitter; redirects are not followed.
//
// Errors (messages quote Qdrant's "status.error", never the key): 404 -> kNotFound; 409, or 400 saying
// "already exists" -> kAlreadyExists; other 400 and 422 -> kInvalidArgument; 401/403 ->
// kFailedPrecondition ("check storage.qdrant_api_key"); 429, 5xx, timeouts and network errors after
// the last attempt -> kUnavailable; a reply over kMaxQdrantReplyBytes or not JSON -> kInternal.
// Thread-safety: Call may run on any number of threads at once (one curl handle per attempt).
#pragma once

#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/result.h"
#include "vector_engines/json_http_transport.h"

namespace iris {

struct QdrantClientOptions {
  std::string url;      // http(s)://host:port of the REST API, no trailing slash needed
  std::string api_key;  // "" = none
  double timeout_s = 30;
  int max_retries = 3;
  int backoff_initial_ms = 100;
  int backoff_max_ms = 2000;
};

inline constexpr std::size_t kMaxQdrantReplyBytes = 256u << 20;

class QdrantClient {
 public:
  // kInvalidArgument unless options.url is http(s)://host[:port][/prefix].
  static Result<QdrantClient> Create(QdrantClientOptions options);

  Result<nlohmann::json> Call(const std::string& method, const std::string& path,
                              const std::optional<nlohmann::json>& body = std::nullopt) const;

  // Every point of Qdrant collection `collection`, in Qdrant's order (point id), pages of 1000 through
  // POST /collections/{c}/points/scroll, with only the payload field `payload_field` and no vector; `fn` is
  // called per point and its first error stops the scroll. kInternal when a page is not a point list.
  Status ScrollAll(const std::string& collection, const std::string& payload_field,
                   const std::function<Status(const nlohmann::json& point)>& fn) const;

  const std::string& url() const { return transport_.url(); }

 private:
  explicit QdrantClient(JsonHttpTransport transport) : transport_(std::move(transport)) {}

  JsonHttpTransport transport_;
};

}  // namespace iris
