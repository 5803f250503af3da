// FakeMilvusServer: the part of Milvus's REST API v2 (Milvus 2.4+, /v2/vectordb/...) that Iris uses, over
// real HTTP on 127.0.0.1 (an ephemeral port), for the tests of src/vector_engines/ where no Milvus can run.
// Every request is POST with a JSON body; every answer is HTTP 200 with {"code": 0, "data": ...} or
// {"code": <merr code>, "message": "..."}, the shapes of Milvus's handler_v2.go:
//
//   collections/list      {}                                   -> ["name", ...]
//   collections/has       {collectionName}                     -> {"has": bool}
//   collections/create    {collectionName, schema: {autoID, enableDynamicField, fields: [{fieldName,
//                          dataType (VarChar|FloatVector|JSON), isPrimary, elementTypeParams: {max_length|dim}}]},
//                          indexParams: [{fieldName, indexName, metricType, indexType, params}], params}
//                                                              -> {} (loaded; idempotent for the same request,
//                                                                 code 1100 for different parameters)
//   collections/drop      {collectionName}                     -> {} (also when there is none, as Milvus)
//   collections/load      {collectionName}                     -> {}
//   collections/get_load_state {collectionName}                -> {"loadState": "LoadStateLoaded"|"LoadStateNotLoad"}
//   entities/upsert       {collectionName, data: [rows]}        -> {"upsertCount": n, "upsertIds": [...]}
//   entities/delete       {collectionName, filter}              -> {}
//   entities/query        {collectionName, filter, outputFields, limit, offset}
//                                                              -> [rows] in primary-key order, or [{"count(*)": n}]
//   entities/search       {collectionName, data: [[...]], annsField, filter, limit, outputFields,
//                          searchParams: {params: {ef}}}       -> [{"id", "distance", <outputFields>}]
//
// Like Milvus: collection names are [A-Za-z_][A-Za-z0-9_]*; dims are 2..32768; VarChar keys longer than
// max_length bytes, wrong vector sizes, unknown or missing fields are refused (code 1804); JSON fields are
// returned as their text; reads of a collection that is not loaded answer code 101; offset + limit of a
// query is at most 16384 and an empty filter needs a limit (or count(*)); ef below the limit is refused.
// Search is exact (brute force): COSINE and IP distances are the similarity (highest first), L2 the
// SQUARED Euclidean distance (lowest first). Filters are Milvus boolean expressions, of which this subset
// is evaluated: `and`, `or`, `not`, parentheses, ==, !=, <, <=, >, >=, `in [...]`, field names, JSON paths
// `field["key"]["key2"]`, double- or single-quoted strings with Go escapes, numbers (a leading '-' too) and
// true/false; a comparison of different types, or with a missing JSON key, is false. Errors: unknown
// collection code 100, bad parameters or expressions code 1100, a missing filter 1802.
//
// With a token set, requests without "Authorization: Bearer <token>" get HTTP 401 {"code": 1800}.
// FailNext(n, code, http_status) answers the next n requests with that Milvus code (failure injection).
// Thread-safe; the destructor stops the server.
#pragma once

#include <httplib.h>

#include <atomic>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace iris::testing {

class FakeMilvusServer {
 public:
  explicit FakeMilvusServer(std::string token = "");
  ~FakeMilvusServer();
  FakeMilvusServer(const FakeMilvusServer&) = delete;
  FakeMilvusServer& operator=(const FakeMilvusServer&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void FailNext(int n, int code, int http_status = 200);
  int requests() const { return requests_.load(); }
  // Rows stored in Milvus collection `name` (-1 when there is no such collection).
  long long RowCount(const std::string& name) const;
  // Releases `name` from memory, as collections/release would: reads answer code 101 until a load.
  void Release(const std::string& name);
  int loads() const { return loads_.load(); }
  // The filter of the last entities/search, entities/query or entities/delete.
  std::string last_filter() const;

 private:
  struct Field {
    std::string name;
    std::string type;  // VarChar, FloatVector, JSON
    bool primary = false;
    std::size_t max_length = 0;
    int dim = 0;
  };
  struct Collection {
    nlohmann::json request;  // schema + indexParams as created (an identical create is a no-op)
    std::vector<Field> fields;
    std::string primary;
    std::string vector_field;
    int dim = 0;
    std::string metric;
    bool loaded = false;
    std::map<std::string, nlohmann::json> rows;  // by primary key; JSON fields as values
  };

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  const std::string token_;
  std::atomic<int> requests_{0};
  std::atomic<int> loads_{0};
  mutable std::mutex mutex_;
  int fail_next_ = 0;
  int fail_code_ = 2;
  int fail_status_ = 200;
  std::string last_filter_;
  std::map<std::string, Collection> collections_;

  void Install();
};

}  // namespace iris::testing
