// MilvusClient: JSON requests to one Milvus server's REST API v2 (the /v2/vectordb/... endpoints of
// Milvus 2.4 and later, port 19530), the client under MilvusCollectionStore.
//
// Call(endpoint, body) POSTs `body` to <url>/v2/vectordb/<endpoint> ("collections/create",
// "entities/search", ...) with "Authorization: Bearer <token>" when a token is set (Milvus takes
// "user:password" or an API key there), and returns the reply's "data" member (null when it has none).
// Milvus answers HTTP 200 with {"code": 0, "data": ...} on success (some versions say "code": 200) and
// {"code": <merr code>, "message": "..."} on failure -- in an HTTP 200 reply by default, or with a 4xx/5xx
// status when the server runs with proxy.http.standardErrorStatus. The transport is JsonHttpTransport
// (json_http_transport.h): network errors, timeouts, Milvus's retriable codes and, for replies without a
// Milvus body, 429 and 5xx are retried up to max_retries times with backoff; redirects are not followed.
//
// Errors (messages quote Milvus's code and message, never the token), by the merr code's low 16 bits:
//   1 service not ready, 2 unavailable, 4 request limit, 8 rate limit, 103 not fully loaded, 10001
//     timeout, and any code carrying Milvus's retriable flag (bits above 16) -> retried, then kUnavailable
//   100 collection not found -> kNotFound;  a message saying "already exist" -> kAlreadyExists
//   101 collection not loaded -> the collection is loaded (collections/load, then get_load_state until
//     it says loaded) and the request sent once more
//   1100 invalid parameter, 1700/1701 field, 1801-1806 the REST layer's request checks -> kInvalidArgument
//   1800/1400 not authenticated, or HTTP 401 -> kFailedPrecondition ("check storage.milvus_token");
//   1401 privilege not permitted, or HTTP 403 -> kFailedPrecondition (permission denied)
//   anything else, a reply that is not Milvus's JSON, or one over kMaxMilvusReplyBytes -> kInternal.
// Thread-safety: every method may run on any number of threads at once.
#pragma once

#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/result.h"
#include "vector_engines/json_http_transport.h"

namespace iris {

struct MilvusClientOptions {
  std::string url;    // http(s)://host:19530 (the REST API shares the gRPC port)
  std::string token;  // "" = none; "user:password" or an API key
  double timeout_s = 30;
  int max_retries = 3;
  int backoff_initial_ms = 100;
  int backoff_max_ms = 2000;
  std::size_t query_page_size = 16384;  // rows per entities/query page (Milvus allows offset + limit <= 16384)
};

inline constexpr std::size_t kMaxMilvusReplyBytes = 256u << 20;

// The Iris status of a Milvus error reply (see the table above); `what` names the request.
Status MilvusErrorStatus(long long code, const std::string& message, const std::string& what);

// A Milvus boolean-expression string literal holding `text` (valid UTF-8): double quotes around it, with
// '"' and '\' backslash-escaped and control characters written \n, \r, \t or \u00XX (Milvus's parser
// reads string literals with Go's strconv.Unquote, which undoes exactly these).
std::string MilvusStringLiteral(std::string_view text);

class MilvusClient {
 public:
  // kInvalidArgument unless options.url is http(s)://host[:port][/prefix].
  static Result<MilvusClient> Create(MilvusClientOptions options);

  Result<nlohmann::json> Call(const std::string& endpoint, const nlohmann::json& body) const;

  // Loads `collection` (collections/load) and waits, up to the request timeout, until
  // collections/get_load_state says LoadStateLoaded. kUnavailable when it does not.
  Status EnsureLoaded(const std::string& collection) const;

  // The values of the VarChar primary key `key_field` of `collection`, ascending, read through
  // entities/query in pages of query_page_size rows filtered on `key_field > "<last key of the previous
  // page>"` (Milvus answers a query with a limit with the smallest primary keys, the order pymilvus's
  // QueryIterator relies on too). `fn` is called per key; it returns false to stop, or an error that
  // stops the scan and is returned. O(keys read) in one request per page.
  Status ScanKeys(const std::string& collection, const std::string& key_field,
                  const std::function<Result<bool>(const std::string& key)>& fn) const;

  const std::string& url() const { return transport_.url(); }

 private:
  MilvusClient(JsonHttpTransport transport, std::size_t page_size, double timeout_s)
      : transport_(std::move(transport)), page_size_(page_size), timeout_s_(timeout_s) {}
  Result<nlohmann::json> CallOnce(const std::string& endpoint, const std::string& text, long long* code) const;

  JsonHttpTransport transport_;
  std::size_t page_size_;
  double timeout_s_;
};

}  // namespace iris
