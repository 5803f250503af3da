#include "support/fake_qdrant_server.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <optional>
#include <regex>

namespace iris::testing {
namespace {

using nlohmann::json;

void Reply(httplib::Response& res, const json& result) {
  res.status = 200;
  res.set_content(json{{"result", result}, {"status", "ok"}, {"time", 0.0001}}.dump(), "application/json");
}

void Error(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(json{{"status", {{"error", message}}}, {"time", 0.0}}.dump(), "application/json");
}

// The canonical text of a point id, or nullopt when Qdrant would refuse it.
std::optional<std::string> IdKey(const json& id) {
  if (id.is_number_unsigned()) return std::to_string(id.get<std::uint64_t>());
  if (id.is_number_integer() && id.get<long long>() >= 0) return std::to_string(id.get<long long>());
  if (!id.is_string()) return std::nullopt;
  std::string text = id.get<std::string>();
  static const std::regex uuid("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");
  if (!std::regex_match(text, uuid)) return std::nullopt;
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// The payload value at a dotted key, or nullptr.
const json* AtKey(const json& payload, const std::string& key) {
  const json* node = &payload;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = key.find('.', start);
    const std::string part = key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!node->is_object() || !node->contains(part)) return nullptr;
    node = &(*node)[part];
    if (dot == std::string::npos) return node;
    start = dot + 1;
  }
}

bool ValueMatches(const json& stored, const json& wanted) {
  if (stored.is_array()) {
    return std::any_of(stored.begin(), stored.end(), [&](const json& v) { return v == wanted; });
  }
  return stored == wanted;
}

bool ConditionHolds(const json& condition, const std::string& id_key, const json& payload) {
  if (condition.contains("has_id")) {
    for (const auto& id : condition["has_id"]) {
      if (IdKey(id) == id_key) return true;
    }
    return false;
  }
  const json* value = AtKey(payload, condition.value("key", ""));
  if (!value) return false;
  if (condition.contains("match")) return ValueMatches(*value, condition["match"].at("value"));
  if (condition.contains("range")) {
    if (!value->is_number()) return false;
    const double v = value->get<double>();
    const json& r = condition["range"];
    if (r.contains("gt") && !(v > r["gt"].get<double>())) return false;
    if (r.contains("gte") && !(v >= r["gte"].get<double>())) return false;
    if (r.contains("lt") && !(v < r["lt"].get<double>())) return false;
    if (r.contains("lte") && !(v <= r["lte"].get<double>())) return false;
    return true;
  }
  throw std::invalid_argument("unsupported condition: " + condition.dump());
}

bool FilterHolds(const json& filter, const std::string& id_key, const json& payload) {
  if (filter.is_null()) return true;
  for (const auto& c : filter.value("must", json::array())) {
    if (!ConditionHolds(c, id_key, payload)) return false;
  }
  for (const auto& c : filter.value("must_not", json::array())) {
    if (ConditionHolds(c, id_key, payload)) return false;
  }
  return true;
}

json PayloadSelection(const json& payload, const json& with_payload) {
  if (with_payload.is_boolean()) return with_payload.get<bool>() ? payload : json(nullptr);
  if (with_payload.is_object() && with_payload.contains("include")) {
    json out = json::object();
    for (const auto& key : with_payload["include"]) {
      const std::string k = key.get<std::string>();
      if (payload.contains(k)) out[k] = payload[k];
    }
    return out;
  }
  return payload;
}

// Cosine collections store and compare unit vectors, as Qdrant does.
void Normalise(std::vector<float>& vector) {
  double norm = 0;
  for (float v : vector) norm += double(v) * v;
  norm = std::sqrt(norm);
  if (norm > 0) {
    for (float& v : vector) v = static_cast<float>(v / norm);
  }
}

}  // namespace

FakeQdrantServer::FakeQdrantServer(std::string api_key) : api_key_(std::move(api_key)) {
  Install();
  port_ = server_.bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeQdrantServer::~FakeQdrantServer() {
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

void FakeQdrantServer::FailNext(int n, int status) {
  std::lock_guard lock(mutex_);
  fail_next_ = n;
  fail_status_ = status;
}

long long FakeQdrantServer::PointCount(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = collections_.find(name);
  return it == collections_.end() ? -1 : static_cast<long long>(it->second.points.size());
}

void FakeQdrantServer::Install() {
  server_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    ++requests_;
    if (!api_key_.empty() && req.get_header_value("api-key") != api_key_) {
      Error(res, 401, "Unauthorized: invalid api key");
      return httplib::Server::HandlerResponse::Handled;
    }
    std::lock_guard lock(mutex_);
    if (fail_next_ > 0) {
      --fail_next_;
      Error(res, fail_status_, "Service unavailable (injected)");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });

  // Every handler below runs under mutex_ and answers malformed JSON with 400, as Qdrant does.
  auto guarded = [this](auto body) {
    return [this, body](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      try {
        const json request = req.body.empty() ? json(nullptr) : json::parse(req.body);
        body(req, request, res);
      } catch (const std::exception& e) {
        Error(res, 400, std::string("Format error in JSON body: ") + e.what());
      }
    };
  };
  auto find = [this](const httplib::Request& req, httplib::Response& res) -> Collection* {
    const std::string name = req.matches[1];
    auto it = collections_.find(name);
    if (it == collections_.end()) {
      Error(res, 404, "Not found: Collection `" + name + "` doesn't exist!");
      return nullptr;
    }
    return &it->second;
  };

  server_.Get("/collections", guarded([this](const httplib::Request&, const json&, httplib::Response& res) {
                json list = json::array();
                for (const auto& [name, c] : collections_) list.push_back({{"name", name}});
                Reply(res, {{"collections", list}});
              }));
  server_.Get(R"(/collections/([^/]+))",
              guarded([find](const httplib::Request& req, const json&, httplib::Response& res) {
                Collection* c = find(req, res);
                if (!c) return;
                Reply(res, {{"status", "green"},
                            {"points_count", c->points.size()},
                            {"config", {{"params", {{"vectors", {{"size", c->size}, {"distance", c->distance}}}}}}}});
              }));
  server_.Put(
      R"(/collections/([^/]+))", guarded([this](const httplib::Request& req, const json& body, httplib::Response& res) {
        const std::string name = req.matches[1];
        if (collections_.contains(name)) {
          Error(res, 409, "Wrong input: Collection `" + name + "` already exists!");
          return;
        }
        const json& vectors = body.at("vectors");
        Collection c;
        c.size = vectors.at("size").get<int>();
        c.distance = vectors.at("distance").get<std::string>();
        if (c.size < 1 ||
            (c.distance != "Cosine" && c.distance != "Dot" && c.distance != "Euclid" && c.distance != "Manhattan")) {
          Error(res, 400, "Wrong input: bad vectors config");
          return;
        }
        collections_.emplace(name, std::move(c));
        Reply(res, true);
      }));
  server_.Delete(R"(/collections/([^/]+))",
                 guarded([this](const httplib::Request& req, const json&, httplib::Response& res) {
                   Reply(res, collections_.erase(req.matches[1]) > 0);
                 }));
  server_.Put(R"(/collections/([^/]+)/points)",
              guarded([find](const httplib::Request& req, const json& body, httplib::Response& res) {
                Collection* c = find(req, res);
                if (!c) return;
                std::vector<std::pair<std::string, Point>> incoming;
                for (const auto& p : body.at("points")) {
                  auto key = IdKey(p.at("id"));
                  if (!key) {
                    Error(res, 400,
                          "Format error in JSON body: value " + p.at("id").dump() +
                              " is not a valid point ID, valid values are either an unsigned integer or a UUID");
                    return;
                  }
                  Point point{p.at("id"), p.at("vector").get<std::vector<float>>(), p.value("payload", json::object())};
                  if (static_cast<int>(point.vector.size()) != c->size) {
                    Error(res, 400,
                          "Wrong input: Vector dimension error: expected dim: " + std::to_string(c->size) + ", got " +
                              std::to_string(point.vector.size()));
                    return;
                  }
                  if (c->distance == "Cosine") Normalise(point.vector);
                  incoming.emplace_back(*key, std::move(point));
                }
                for (auto& [key, point] : incoming) c->points[key] = std::move(point);
                Reply(res, {{"operation_id", 1}, {"status", "completed"}});
              }));
  server_.Post(R"(/collections/([^/]+)/points/delete)",
               guarded([find](const httplib::Request& req, const json& body, httplib::Response& res) {
                 Collection* c = find(req, res);
                 if (!c) return;
                 for (const auto& id : body.at("points")) {
                   if (auto key = IdKey(id)) c->points.erase(*key);
                 }
                 Reply(res, {{"operation_id", 2}, {"status", "completed"}});
               }));
  server_.Post(R"(/collections/([^/]+)/points)",
               guarded([find](const httplib::Request& req, const json& body, httplib::Response& res) {
                 Collection* c = find(req, res);
                 if (!c) return;
                 json out = json::array();
                 for (const auto& id : body.at("ids")) {
                   auto key = IdKey(id);
                   if (!key) {
                     Error(res, 400, "Format error in JSON body: not a valid point ID");
                     return;
                   }
                   auto it = c->points.find(*key);
                   if (it == c->points.end()) continue;
                   json point = {
                       {"id", it->second.id},
                       {"payload", PayloadSelection(it->second.payload, body.value("with_payload", json(true)))}};
                   if (body.value("with_vector", false)) point["vector"] = it->second.vector;
                   out.push_back(std::move(point));
                 }
                 Reply(res, out);
               }));
  server_.Post(R"(/collections/([^/]+)/points/search)",
               guarded([find](const httplib::Request& req, const json& body, httplib::Response& res) {
                 Collection* c = find(req, res);
                 if (!c) return;
                 std::vector<float> query = body.at("vector").get<std::vector<float>>();
                 if (static_cast<int>(query.size()) != c->size) {
                   Error(res, 400, "Wrong input: Vector dimension error: expected dim: " + std::to_string(c->size));
                   return;
                 }
                 const bool euclid = c->distance == "Euclid";
                 if (c->distance == "Cosine") Normalise(query);
                 const json filter = body.value("filter", json(nullptr));
                 std::vector<std::pair<float, const std::pair<const std::string, Point>*>> scored;
                 for (const auto& entry : c->points) {
                   if (!FilterHolds(filter, entry.first, entry.second.payload)) continue;
                   double s = 0;
                   for (std::size_t i = 0; i < query.size(); ++i) {
                     s += euclid ? (double(query[i]) - entry.second.vector[i]) *
                                       (double(query[i]) - entry.second.vector[i])
                                 : double(query[i]) * entry.second.vector[i];
                   }
                   const float score = static_cast<float>(euclid ? std::sqrt(s) : s);
                   if (body.contains("score_threshold") && !body["score_threshold"].is_null()) {
                     const float t = body["score_threshold"].get<float>();
                     if (euclid ? score > t : score < t) continue;
                   }
                   scored.emplace_back(score, &entry);
                 }
                 std::stable_sort(scored.begin(), scored.end(), [euclid](const auto& a, const auto& b) {
                   return euclid ? a.first < b.first : a.first > b.first;
                 });
                 const std::size_t limit = body.at("limit").get<std::size_t>();
                 if (scored.size() > limit) scored.resize(limit);
                 json out = json::array();
                 for (const auto& [score, entry] : scored) {
                   out.push_back(
                       {{"id", entry->second.id},
                        {"version", 1},
                        {"score", score},
                        {"payload", PayloadSelection(entry->second.payload, body.value("with_payload", json(false)))}});
                 }
                 Reply(res, out);
               }));
  server_.Post(
      R"(/collections/([^/]+)/points/scroll)",
      guarded([find](const httplib::Request& req, const json& body, httplib::Response& res) {
        Collection* c = find(req, res);
        if (!c) return;
        const std::size_t limit = body.value("limit", std::size_t{10});
        auto it = c->points.begin();
        if (body.contains("offset") && !body["offset"].is_null()) {
          auto key = IdKey(body["offset"]);
          if (!key) {
            Error(res, 400, "Format error in JSON body: not a valid point ID");
            return;
          }
          it = c->points.lower_bound(*key);
        }
        json points = json::array();
        for (; it != c->points.end() && points.size() < limit; ++it) {
          json point = {{"id", it->second.id},
                        {"payload", PayloadSelection(it->second.payload, body.value("with_payload", json(true)))}};
          if (body.value("with_vector", false)) point["vector"] = it->second.vector;
          points.push_back(std::move(point));
        }
        Reply(res, {{"points", points}, {"next_page_offset", it == c->points.end() ? json(nullptr) : it->second.id}});
      }));
  server_.Post(R"(/collections/([^/]+)/points/count)",
               guarded([find](const httplib::Request& req, const json&, httplib::Response& res) {
                 Collection* c = find(req, res);
                 if (!c) return;
                 Reply(res, {{"count", c->points.size()}});
               }));
}

}  // namespace iris::testing
