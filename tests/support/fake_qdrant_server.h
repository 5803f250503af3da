// FakeQdrantServer: the part of Qdrant's REST API (https://api.qdrant.tech, v1.x) that Iris uses, over
// real HTTP on 127.0.0.1 (an ephemeral port), for the tests of src/vector_engines/ and the scale-out
// end-to-end tests where no Qdrant can run. Request and reply shapes follow Qdrant's OpenAPI:
//
//   GET    /collections                                 {"result": {"collections": [{"name": ...}]}}
//   GET    /collections/{c}                             {"result": {"status": "green", "points_count": n,
//                                                        "config": {"params": {"vectors": {size, distance}}}}}
//   PUT    /collections/{c}      {"vectors": {"size", "distance"}, "hnsw_config"?}   409 when it exists
//   DELETE /collections/{c}                             {"result": true|false}
//   PUT    /collections/{c}/points?wait=true   {"points": [{"id", "vector", "payload"}]}
//   POST   /collections/{c}/points/delete?wait=true     {"points": [ids]}
//   POST   /collections/{c}/points        {"ids": [...], "with_payload", "with_vector"}  -> [points]
//   POST   /collections/{c}/points/search {"vector", "limit", "filter"?, "score_threshold"?, "with_payload",
//                                          "with_vector", "params"?}  -> [{"id", "version", "score", "payload"}]
//   POST   /collections/{c}/points/scroll {"limit", "offset"?, "with_payload", "with_vector"}
//                                          -> {"points": [...], "next_page_offset": id|null} (point-id order)
//   POST   /collections/{c}/points/count  {"exact"}    -> {"count": n}
//
// Like Qdrant: point ids must be unsigned integers or UUID strings (400 otherwise); a vector of the wrong
// size is 400; Cosine vectors are normalised on upsert; search is exact (brute force) and scores are the
// cosine/dot similarity, or the Euclidean distance (smallest first) for Euclid; score_threshold keeps
// scores >= it (<= for Euclid); filters support must/must_not with {"key", "match": {"value"}},
// {"key", "range": {gt, gte, lt, lte}} (a nested key "a.b" walks objects) and {"has_id": [...]}. Errors are
// {"status": {"error": "..."}, "time": 0}. Unknown collections are 404.
//
// With an api key set, requests without a matching "api-key" header get 401. FailNext(n, status) answers
// the next n requests with `status` (failure injection); requests() counts every request received.
// Thread-safe; the destructor stops the server.
#pragma once

#include <httplib.h>

#include <atomic>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

namespace iris::testing {

class FakeQdrantServer {
 public:
  explicit FakeQdrantServer(std::string api_key = "");
  ~FakeQdrantServer();
  FakeQdrantServer(const FakeQdrantServer&) = delete;
  FakeQdrantServer& operator=(const FakeQdrantServer&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void FailNext(int n, int status);
  int requests() const { return requests_.load(); }
  // Points stored in Qdrant collection `name` (-1 when there is no such collection).
  long long PointCount(const std::string& name) const;

 private:
  struct Point {
    nlohmann::json id;  // as sent: a UUID string or an unsigned integer
    std::vector<float> vector;
    nlohmann::json payload;
  };
  struct Collection {
    int size = 0;
    std::string distance;
    std::map<std::string, Point> points;  // by the id's canonical text
  };

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  const std::string api_key_;
  std::atomic<int> requests_{0};
  mutable std::mutex mutex_;
  int fail_next_ = 0;
  int fail_status_ = 503;
  std::map<std::string, Collection> collections_;

  void Install();
};

}  // namespace iris::testing
