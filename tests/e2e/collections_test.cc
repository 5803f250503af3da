// End-to-end: /v1/collections of the real `iris serve` over HTTP. CLIP collections use the
// clip-standin-colors export (it "sees" colours: a solid red image and the text "a red dress" both
// point at its red dimension), so nearest-neighbour answers are known. The durability test
// SIGKILLs the server while a client streams upserts and checks every acknowledged write after a
// restart on the same data directory.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "e2e_http.h"
#include "image/test_images.h"
#include "support/int8_standins.h"

namespace iris::testing {
namespace {

// `colors` is clip-standin-colors of the given variant (fp32: ../shared/models; int8: its quantized twin).
std::unique_ptr<ServerProcess> StartWithColors(const std::string& variant = "fp32") {
  auto server = ServerProcess::Start(ServeWith({"--local-models", "colors=" + StandInFolder("colors", variant).string(),
                                                "--default-clip-model", "colors", "--preload-models", "colors"}));
  auto client = server->Client();
  for (int i = 0; i < 200; ++i) {
    if (auto r = client->Get("/readyz"); r && r->status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return server;
}

// POSTs JSON and returns {status, parsed body}; status -1 when the request failed.
std::pair<int, nlohmann::json> PostJson(httplib::Client& client, const std::string& path, const nlohmann::json& body) {
  auto res = client.Post(path.c_str(), body.dump(), "application/json");
  if (!res) return {-1, nullptr};
  return {res->status, ParseJson(res->body)};
}

int PutJson(httplib::Client& client, const std::string& path, const nlohmann::json& body) {
  auto res = client.Put(path.c_str(), body.dump(), "application/json");
  return res ? res->status : -1;
}

nlohmann::json GetJson(httplib::Client& client, const std::string& path, int expected_status = 200) {
  auto res = client.Get(path.c_str());
  if (!res) throw std::runtime_error("GET " + path + " failed");
  EXPECT_EQ(res->status, expected_status) << path << ": " << res->body;
  return ParseJson(res->body);
}

void CreateExternal(httplib::Client& client, const std::string& name, int dim, const std::string& metric) {
  auto [status, body] =
      PostJson(client, "/v1/collections", {{"name", name}, {"model", "external"}, {"dim", dim}, {"metric", metric}});
  ASSERT_EQ(status, 201) << body.dump();
}

std::vector<std::string> HitIds(const nlohmann::json& body) {
  std::vector<std::string> ids;
  for (const auto& hit : body["hits"]) ids.push_back(hit["id"]);
  return ids;
}

TEST(CollectionsE2eTest, CreateDescribeListDelete) {
  auto server = ServerProcess::Start();
  auto client = server->Client();
  auto [status, created] =
      PostJson(*client, "/v1/collections", {{"name", "shoes"}, {"model", "external"}, {"dim", 4}, {"metric", "l2"}});
  ASSERT_EQ(status, 201) << created.dump();
  EXPECT_EQ(created["model"], "external");
  EXPECT_EQ(created["dim"], 4);
  EXPECT_EQ(created["metric"], "l2");
  EXPECT_EQ(created["count"], 0);
  CreateExternal(*client, "bags", 3, "ip");

  auto described = GetJson(*client, "/v1/collections/bags");
  EXPECT_EQ(described["metric"], "inner_product");
  EXPECT_EQ(described["dim"], 3);
  auto list = GetJson(*client, "/v1/collections");
  ASSERT_EQ(list["collections"].size(), 2u);
  EXPECT_EQ(list["collections"][0]["name"], "bags");
  EXPECT_EQ(list["collections"][1]["name"], "shoes");

  EXPECT_EQ(PostJson(*client, "/v1/collections", {{"name", "shoes"}, {"model", "external"}, {"dim", 4}}).first, 409);
  EXPECT_EQ(PostJson(*client, "/v1/collections", {{"name", "bad name"}, {"model", "external"}, {"dim", 4}}).first, 422);
  EXPECT_EQ(PostJson(*client, "/v1/collections", {{"name", "nodim"}, {"model", "external"}}).first, 422);
  EXPECT_EQ(
      PostJson(*client, "/v1/collections", {{"name", "m"}, {"model", "external"}, {"dim", 4}, {"metric", "x"}}).first,
      422);
  EXPECT_EQ(PostJson(*client, "/v1/collections", {{"name", "m"}, {"model", "no-such-model"}}).first, 422);
  EXPECT_EQ(client->Post("/v1/collections", "{not json", "application/json")->status, 400);

  auto del = client->Delete("/v1/collections/shoes");
  ASSERT_EQ(del->status, 200) << del->body;
  GetJson(*client, "/v1/collections/shoes", 404);
  EXPECT_EQ(client->Delete("/v1/collections/shoes")->status, 404);
  EXPECT_FALSE(std::filesystem::exists(server->data_dir() / "collections" / "shoes"));
  EXPECT_EQ(GetJson(*client, "/v1/collections")["collections"].size(), 1u);

  auto openapi = GetJson(*client, "/openapi.json");
  for (const char* path : {"/v1/collections", "/v1/collections/{name}", "/v1/collections/{name}/items",
                           "/v1/collections/{name}/items/{id}", "/v1/collections/{name}/search"}) {
    EXPECT_TRUE(openapi["paths"].contains(path)) << path;
  }
}

TEST(CollectionsE2eTest, UpsertReplacesDeleteRemovesAndIdsPaginate) {
  auto server = ServerProcess::Start();
  auto client = server->Client();
  CreateExternal(*client, "c", 3, "l2");
  for (int i = 0; i < 25; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "id-%02d", i);
    ASSERT_EQ(PutJson(*client, std::string("/v1/collections/c/items/") + id,
                      {{"vector", {i, 0.5, -1}}, {"metadata", {{"n", i}}}}),
              200);
  }
  EXPECT_EQ(GetJson(*client, "/v1/collections/c")["count"], 25);
  // Replace: same count, new vector and metadata.
  ASSERT_EQ(PutJson(*client, "/v1/collections/c/items/id-03", {{"vector", {7, 8, 9}}, {"metadata", {{"n", "new"}}}}),
            200);
  EXPECT_EQ(GetJson(*client, "/v1/collections/c")["count"], 25);
  auto item = GetJson(*client, "/v1/collections/c/items/id-03");
  EXPECT_EQ(item["vector"], nlohmann::json({7.0, 8.0, 9.0}));
  EXPECT_EQ(item["metadata"]["n"], "new");

  // Pages of 10 cover every id once, in order.
  std::vector<std::string> all;
  for (int offset = 0; offset < 30; offset += 10) {
    auto page = GetJson(*client, "/v1/collections/c/items?offset=" + std::to_string(offset) + "&limit=10");
    EXPECT_EQ(page["count"], 25);
    for (const auto& id : page["ids"]) all.push_back(id);
  }
  ASSERT_EQ(all.size(), 25u);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  EXPECT_EQ(all.front(), "id-00");
  EXPECT_EQ(all.back(), "id-24");
  EXPECT_EQ(GetJson(*client, "/v1/collections/c/items?limit=0", 422).contains("detail"), true);

  ASSERT_EQ(client->Delete("/v1/collections/c/items/id-03")->status, 200);
  GetJson(*client, "/v1/collections/c/items/id-03", 404);
  EXPECT_EQ(client->Delete("/v1/collections/c/items/id-03")->status, 404);
  EXPECT_EQ(GetJson(*client, "/v1/collections/c")["count"], 24);
  auto hits = PostJson(*client, "/v1/collections/c/search", {{"vector", {7, 8, 9}}, {"top_n", 100}}).second;
  auto ids = HitIds(hits);
  EXPECT_EQ(ids.size(), 24u);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "id-03"), 0);

  // Item errors.
  EXPECT_EQ(PutJson(*client, "/v1/collections/c/items/x", {{"vector", {1, 2}}}), 422);
  EXPECT_EQ(PutJson(*client, "/v1/collections/c/items/x", {{"vector", {1, "a", 2}}}), 422);
  EXPECT_EQ(PutJson(*client, "/v1/collections/c/items/x", {{"vector", {1, 2, 3}}, {"metadata", {1, 2}}}), 422);
  EXPECT_EQ(PutJson(*client, "/v1/collections/c/items/x", {{"metadata", {{"a", 1}}}}), 422);
  EXPECT_EQ(PutJson(*client, "/v1/collections/nope/items/x", {{"vector", {1, 2, 3}}}), 404);
  EXPECT_EQ(client->Put("/v1/collections/c/items/x", "{oops", "application/json")->status, 400);
  GetJson(*client, "/v1/collections/nope/items/x", 404);
}

TEST(CollectionsE2eTest, SearchByVectorAndIdReportsSimilarityAndDistance) {
  auto server = ServerProcess::Start();
  auto client = server->Client();
  CreateExternal(*client, "v", 3, "cosine");
  const std::map<std::string, std::vector<float>> items = {
      {"x", {1, 0, 0}}, {"x2", {0.9f, 0.1f, 0}}, {"y", {0, 1, 0}}, {"z", {0, 0, 1}}};
  for (const auto& [id, v] : items) ASSERT_EQ(PutJson(*client, "/v1/collections/v/items/" + id, {{"vector", v}}), 200);

  auto [status, body] = PostJson(*client, "/v1/collections/v/search", {{"vector", {2, 0, 0}}, {"top_n", 2}});
  ASSERT_EQ(status, 200) << body.dump();
  EXPECT_EQ(HitIds(body), (std::vector<std::string>{"x", "x2"}));
  EXPECT_NEAR(body["hits"][0]["similarity"].get<double>(), 1.0, 1e-5);
  EXPECT_NEAR(body["hits"][0]["distance"].get<double>(), 0.0, 1e-5);
  const double s1 = body["hits"][1]["similarity"];
  EXPECT_NEAR(s1, 0.9 / std::sqrt(0.82), 1e-4);
  EXPECT_NEAR(body["hits"][1]["distance"].get<double>(), 1 - s1, 1e-5);

  // By id: the item itself is not a hit.
  auto by_id = PostJson(*client, "/v1/collections/v/search", {{"id", "x"}, {"top_n", 2}}).second;
  EXPECT_EQ(HitIds(by_id)[0], "x2");
  for (const auto& hit : by_id["hits"]) EXPECT_NE(hit["id"], "x");
  // min_similarity keeps only close hits.
  auto close = PostJson(*client, "/v1/collections/v/search", {{"vector", {1, 0, 0}}, {"min_similarity", 0.5}}).second;
  EXPECT_EQ(HitIds(close), (std::vector<std::string>{"x", "x2"}));

  EXPECT_EQ(PostJson(*client, "/v1/collections/v/search", {{"vector", {1, 0}}}).first, 422);
  EXPECT_EQ(PostJson(*client, "/v1/collections/v/search", {{"vector", {0, 0, 0}}}).first, 422);
  EXPECT_EQ(PostJson(*client, "/v1/collections/v/search", {{"vector", {1, 0, 0}}, {"top_n", 0}}).first, 422);
  EXPECT_EQ(PostJson(*client, "/v1/collections/v/search", {{"vector", {1, 0, 0}}, {"top_n", 1001}}).first, 422);
  EXPECT_EQ(PostJson(*client, "/v1/collections/v/search", {{"vector", {1, 0, 0}}, {"filter", {1}}}).first, 422);
  EXPECT_EQ(PostJson(*client, "/v1/collections/v/search", {{"vector", {1, 0, 0}}, {"id", "x"}}).first, 422);
  EXPECT_EQ(PostJson(*client, "/v1/collections/v/search", nlohmann::json::object()).first, 422);
  EXPECT_EQ(PostJson(*client, "/v1/collections/v/search", {{"id", "missing"}}).first, 404);
  EXPECT_EQ(PostJson(*client, "/v1/collections/v/search", {{"text", "red"}}).first, 422);  // external vectors
  EXPECT_EQ(PostJson(*client, "/v1/collections/nope/search", {{"vector", {1, 0, 0}}}).first, 404);
}

TEST(CollectionsE2eTest, FiltersAreAppliedInsideTheSearch) {
  auto server = ServerProcess::Start();
  auto client = server->Client();
  CreateExternal(*client, "f", 8, "cosine");
  constexpr int kItems = 600;
  constexpr int kRareEvery = 60;  // 10 rare items
  std::mt19937 rng(7);
  std::normal_distribution<float> normal;
  for (int i = 0; i < kItems; ++i) {
    std::vector<float> v(8);
    for (auto& x : v) x = normal(rng);
    const std::string tag = i % kRareEvery == 0 ? "rare" : "common";
    ASSERT_EQ(PutJson(*client, "/v1/collections/f/items/i" + std::to_string(i),
                      {{"vector", v}, {"metadata", {{"tag", tag}, {"i", i}}}}),
              200);
  }
  for (int q = 0; q < 5; ++q) {
    std::vector<float> v(8);
    for (auto& x : v) x = normal(rng);
    auto [status, body] =
        PostJson(*client, "/v1/collections/f/search", {{"vector", v}, {"top_n", 10}, {"filter", {{"tag", "rare"}}}});
    ASSERT_EQ(status, 200) << body.dump();
    ASSERT_EQ(body["hits"].size(), 10u) << body.dump();
    for (const auto& hit : body["hits"]) EXPECT_EQ(hit["metadata"]["tag"], "rare");
  }
  auto none = PostJson(*client, "/v1/collections/f/search",
                       {{"vector", std::vector<float>(8, 1.0f)}, {"filter", {{"tag", "absent"}}}})
                  .second;
  EXPECT_EQ(none["hits"].size(), 0u);
}

class CollectionsVariantE2eTest : public ::testing::TestWithParam<std::string> {};
INSTANTIATE_TEST_SUITE_P(Variants, CollectionsVariantE2eTest, ::testing::Values("fp32", "int8"));

TEST_P(CollectionsVariantE2eTest, ClipCollectionFindsTheRedItemByImageAndText) {
  auto server = StartWithColors(GetParam());
  auto client = server->Client();
  auto [status, created] = PostJson(*client, "/v1/collections", {{"name", "clothes"}});
  ASSERT_EQ(status, 201) << created.dump();
  EXPECT_EQ(created["model"], "colors");
  EXPECT_EQ(created["dim"], 512);
  EXPECT_EQ(created["metric"], "cosine");

  const std::map<std::string, std::string> images = {
      {"red", SolidJpeg(220, 20, 30)}, {"blue", SolidJpeg(20, 40, 210)}, {"green", SolidJpeg(30, 160, 50)}};
  for (const auto& [colour, jpeg] : images) {
    httplib::MultipartFormDataItems form = {{"file", jpeg, colour + ".jpg", "image/jpeg"},
                                            {"metadata", nlohmann::json{{"colour", colour}}.dump(), "", ""}};
    auto res = client->Put(("/v1/collections/clothes/items/" + colour).c_str(), form);
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
  }
  EXPECT_EQ(GetJson(*client, "/v1/collections/clothes")["count"], 3);
  EXPECT_EQ(GetJson(*client, "/v1/collections/clothes/items/red")["metadata"]["colour"], "red");

  // A (differently shaded) red image: nearest is the red item.
  httplib::MultipartFormDataItems query = {{"file", SolidJpeg(200, 30, 40), "q.jpg", "image/jpeg"},
                                           {"top_n", "3", "", ""}};
  auto res = client->Post("/v1/collections/clothes/search", query);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  auto by_image = ParseJson(res->body);
  ASSERT_EQ(by_image["hits"].size(), 3u);
  EXPECT_EQ(by_image["hits"][0]["id"], "red") << res->body;
  EXPECT_GT(by_image["hits"][0]["similarity"].get<double>(), 0.9);
  EXPECT_GT(by_image["hits"][0]["similarity"].get<double>(), by_image["hits"][1]["similarity"].get<double>() + 0.5);

  auto by_text = PostJson(*client, "/v1/collections/clothes/search", {{"text", "a red dress"}, {"top_n", 1}}).second;
  ASSERT_EQ(by_text["hits"].size(), 1u) << by_text.dump();
  EXPECT_EQ(by_text["hits"][0]["id"], "red");
  auto blue = PostJson(*client, "/v1/collections/clothes/search", {{"text", "navy blue"}, {"top_n", 1}}).second;
  EXPECT_EQ(blue["hits"][0]["id"], "blue") << blue.dump();
  // By id: the red item's neighbours do not include itself.
  auto by_id = PostJson(*client, "/v1/collections/clothes/search", {{"id", "red"}}).second;
  EXPECT_EQ(by_id["hits"].size(), 2u);

  // A vector of the wrong size, and a model given with a conflicting dim.
  EXPECT_EQ(PutJson(*client, "/v1/collections/clothes/items/v", {{"vector", {1, 0, 0}}}), 422);
  EXPECT_EQ(PostJson(*client, "/v1/collections", {{"name", "other"}, {"model", "colors"}, {"dim", 3}}).first, 422);
  // No image in a multipart upsert.
  httplib::MultipartFormDataItems empty = {{"metadata", "{}", "", ""}};
  EXPECT_EQ(client->Put("/v1/collections/clothes/items/none", empty)->status, 422);
}

// A collection records the exact model variant that filled it; vectors, images and searches that
// say they come from another variant (or model) are refused with 409, and so is a configured
// product collection that would be filled by the other variant.
TEST(CollectionsE2eTest, CollectionFilledByOneVariantRefusesTheOther) {
  const std::string jpeg = SolidJpeg(220, 20, 30);
  for (const auto& [fills, other] : {std::pair{"tiny", "tiny8"}, std::pair{"tiny8", "tiny"}}) {
    auto server =
        ServerProcess::Start(ServeWith({"--local-models", "tiny=" + StandInFolder("tiny", "fp32").string() +
                                                              ",tiny8=" + StandInFolder("tiny", "int8").string()}));
    auto client = server->Client();
    auto [status, created] = PostJson(*client, "/v1/collections", {{"name", "c"}, {"model", fills}});
    ASSERT_EQ(status, 201) << created.dump();
    EXPECT_EQ(created["model"], fills);
    // A vector made by the other variant, as /v1/embeddings/image?model=<other> hands it out.
    httplib::MultipartFormDataItems upload = {{"file", jpeg, "red.jpg", "image/jpeg"}};
    auto embedded = client->Post(("/v1/embeddings/image?model=" + std::string(other)).c_str(), upload);
    ASSERT_TRUE(embedded && embedded->status == 200);
    const auto made = ParseJson(embedded->body);
    ASSERT_EQ(made["model"], other);
    auto put = client->Put("/v1/collections/c/items/v",
                           nlohmann::json({{"vector", made["embedding"]}, {"model", made["model"]}}).dump(),
                           "application/json");
    ASSERT_TRUE(put);
    EXPECT_EQ(put->status, 409) << put->body;
    const auto error = ParseJson(put->body).dump();
    EXPECT_NE(error.find("collection 'c' holds vectors of model '" + std::string(fills) + "', not '" + other + "'"),
              std::string::npos)
        << error;
    EXPECT_NE(error.find("fp32 and int8"), std::string::npos) << error;
    // An image upsert or a search naming the other variant.
    httplib::MultipartFormDataItems image = {{"file", jpeg, "red.jpg", "image/jpeg"}, {"model", other, "", ""}};
    EXPECT_EQ(client->Put("/v1/collections/c/items/i", image)->status, 409);
    EXPECT_EQ(PostJson(*client, "/v1/collections/c/search", {{"vector", made["embedding"]}, {"model", other}}).first,
              409);
    EXPECT_EQ(PostJson(*client, "/v1/collections/c/search", {{"text", "red"}, {"model", other}}).first, 409);
    EXPECT_EQ(GetJson(*client, "/v1/collections/c")["count"], 0);
    // The same requests naming the collection's own variant are taken; 'model' must be a string.
    EXPECT_EQ(PutJson(*client, "/v1/collections/c/items/v", {{"vector", made["embedding"]}, {"model", fills}}), 200);
    httplib::MultipartFormDataItems own = {{"file", jpeg, "red.jpg", "image/jpeg"}, {"model", fills, "", ""}};
    EXPECT_EQ(client->Put("/v1/collections/c/items/i", own)->status, 200);
    EXPECT_EQ(PutJson(*client, "/v1/collections/c/items/w", {{"vector", made["embedding"]}, {"model", 8}}), 422);
    EXPECT_EQ(GetJson(*client, "/v1/collections/c")["count"], 2);
  }
}

std::vector<float> VectorFor(int k) {
  std::vector<float> v(8);
  for (int d = 0; d < 8; ++d) v[d] = static_cast<float>(k) + 0.125f * static_cast<float>(d);
  return v;
}

TEST(CollectionsE2eTest, KillNineKeepsEveryAcknowledgedWrite) {
  auto first = ServerProcess::Start();
  {
    auto client = first->Client();
    CreateExternal(*client, "durable", 8, "l2");
  }
  constexpr int kIds = 150;  // writes cycle over these ids, so later writes replace earlier ones
  std::mutex mu;
  std::map<std::string, int> acked;  // id -> k of its last acknowledged write
  std::optional<std::pair<std::string, int>> in_flight;
  std::atomic<int> acked_writes{0};
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    auto client = first->Client();
    client->set_connection_timeout(std::chrono::seconds(2));
    client->set_read_timeout(std::chrono::seconds(5));
    for (int k = 0; !stop; ++k) {
      const std::string id = "item-" + std::to_string(k % kIds);
      {
        std::lock_guard lock(mu);
        in_flight = {id, k};
      }
      auto res = client->Put(("/v1/collections/durable/items/" + id).c_str(),
                             nlohmann::json{{"vector", VectorFor(k)}}.dump(), "application/json");
      if (!res || res->status != 200) return;  // the server is gone
      std::lock_guard lock(mu);
      acked[id] = k;
      in_flight.reset();
      ++acked_writes;
    }
  });
  // Kill once a few hundred writes are acknowledged (ids cycle, so replaces happen too).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (acked_writes < 400 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  first->Signal(SIGKILL);
  ASSERT_EQ(first->Wait(std::chrono::seconds(10)), 128 + SIGKILL);
  stop = true;
  writer.join();
  ASSERT_GE(acked_writes.load(), 400);

  ServerOptions options;
  options.data_dir = first->data_dir();
  auto second = ServerProcess::Start(options);
  auto client = second->Client();
  auto described = GetJson(*client, "/v1/collections/durable");
  std::size_t expected = acked.size();
  if (in_flight && !acked.contains(in_flight->first)) {
    // The write in flight at the kill may or may not have reached the log.
    auto res = client->Get(("/v1/collections/durable/items/" + in_flight->first).c_str());
    if (res && res->status == 200) ++expected;
  }
  EXPECT_EQ(described["count"].get<std::size_t>(), expected);
  EXPECT_GT(acked.size(), 100u);
  for (const auto& [id, k] : acked) {
    auto item = GetJson(*client, "/v1/collections/durable/items/" + id);
    const auto stored = item["vector"].get<std::vector<float>>();
    if (in_flight && in_flight->first == id && stored == VectorFor(in_flight->second)) continue;  // also acceptable
    EXPECT_EQ(stored, VectorFor(k)) << id;
  }
}

TEST(CollectionsE2eTest, GracefulShutdownCheckpointsAndACorruptCollectionIsReportedNotEmptied) {
  auto first = ServerProcess::Start();
  {
    auto client = first->Client();
    CreateExternal(*client, "kept", 2, "l2");
    CreateExternal(*client, "broken", 2, "l2");
    for (int i = 0; i < 5; ++i) {
      ASSERT_EQ(PutJson(*client, "/v1/collections/kept/items/" + std::to_string(i), {{"vector", {i, i}}}), 200);
      ASSERT_EQ(PutJson(*client, "/v1/collections/broken/items/" + std::to_string(i), {{"vector", {i, i}}}), 200);
    }
  }
  first->Signal(SIGTERM);
  ASSERT_EQ(first->Wait(std::chrono::seconds(20)), 0) << first->Logs();
  const auto root = first->data_dir() / "collections";
  bool snapshot = false;
  for (const auto& entry : std::filesystem::directory_iterator(root / "kept")) {
    snapshot |= entry.path().extension() == ".irishnsw";
  }
  EXPECT_TRUE(snapshot) << "shutdown did not checkpoint";
  std::ofstream(root / "broken" / "collection.meta.json", std::ios::trunc) << "{damaged";

  ServerOptions options;
  options.data_dir = first->data_dir();
  auto second = ServerProcess::Start(options);
  auto client = second->Client();
  EXPECT_EQ(GetJson(*client, "/v1/collections/kept")["count"], 5);
  auto broken = GetJson(*client, "/v1/collections/broken", 409);
  EXPECT_NE(broken["detail"].get<std::string>().find("could not be opened"), std::string::npos) << broken.dump();
  EXPECT_NE(second->Logs().find("collections.open_failed"), std::string::npos);
  EXPECT_EQ(PostJson(*client, "/v1/collections", {{"name", "broken"}, {"model", "external"}, {"dim", 2}}).first, 409);
  EXPECT_TRUE(std::filesystem::exists(root / "broken" / "collection.meta.json"));
  EXPECT_EQ(GetJson(*client, "/v1/collections")["collections"].size(), 1u);
}

}  // namespace
}  // namespace iris::testing
