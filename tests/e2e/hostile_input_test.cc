// End-to-end: hostile clients cannot crash or monopolise the real `iris serve`.
//   * JSON nested 70,000 levels deep (a 140 KB body) used to overflow the stack when a route
//     serialised or copied it back (SIGSEGV). Every route, body or form field, now answers 400
//     naming the limit (core/json_limits.h), and the server keeps answering.
#include <gtest/gtest.h>
#include <httplib.h>

#include <string>

#include "e2e_http.h"
#include "image/test_images.h"

namespace iris::testing {
namespace {

constexpr char kTooDeep[] = "JSON nested deeper than 64 levels";

std::string NestedArrays(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

// The issue's repro: {"<field>": [[[...]]]} with 70,000 arrays.
std::string DeepBody(const std::string& field) { return "{\"" + field + "\":" + NestedArrays(70'000) + "}"; }

std::unique_ptr<ServerProcess> StartWithStandIns() {
  auto server = ServerProcess::Start(
      ServeWith({"--local-models", "colors=" + RequireShared("models/clip-standin-colors").string(),
                 "--default-clip-model", "colors"}));
  return server;
}

void ExpectRefusedAndAlive(const httplib::Result& res, ServerProcess& server, const std::string& what) {
  ASSERT_TRUE(res) << what << ": no answer (the server died?)\n" << server.Logs();
  EXPECT_EQ(res->status, 400) << what << ": " << res->body;
  EXPECT_NE(ParseJson(res->body).value("detail", "").find(kTooDeep), std::string::npos) << what << ": " << res->body;
  auto health = server.Client()->Get("/healthz");
  ASSERT_TRUE(health) << what << ": /healthz does not answer after it\n" << server.Logs();
  EXPECT_EQ(health->status, 200) << what;
}

TEST(HostileInputE2eTest, DeeplyNestedJsonIsRefusedOnEveryRouteAndTheServerSurvives) {
  auto server = StartWithStandIns();
  auto client = server->Client();
  client->set_read_timeout(std::chrono::seconds(60));
  auto created = client->Post("/v1/collections", R"({"name": "c", "model": "external", "dim": 2})", "application/json");
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body;

  const std::string json = "application/json";
  struct JsonCase {
    std::string method, path, body;
  };
  const std::string deep_params = R"({"image_url": "http://127.0.0.1:1/x.jpg", "tasks": [{"operation_id": "a",)"
                                  R"( "type": "image_hash", "params": {"p": )" +
                                  NestedArrays(70'000) + "}}]}";
  const std::vector<JsonCase> cases = {
      {"POST", "/v1/images", DeepBody("image_url")},
      {"POST", "/v1/embeddings/image", DeepBody("image_url")},
      {"POST", "/v1/embeddings/text", DeepBody("texts")},
      {"POST", "/v1/zero-shot", DeepBody("labels")},
      {"PUT", "/v1/collections/c/items/a", R"({"vector": [1, 0], "metadata": {"m": )" + NestedArrays(70'000) + "}}"},
      {"POST", "/v1/collections/c/search", R"({"vector": [1, 0], "filter": {"f": )" + NestedArrays(70'000) + "}}"},
      {"POST", "/v1/collections", DeepBody("name")},
      {"POST", "/analyze_image/", deep_params},
      {"POST", "/embeddings/generate-batch", DeepBody("product_ids")},
  };
  for (const auto& c : cases) {
    auto res = c.method == "PUT" ? client->Put(c.path, c.body, json) : client->Post(c.path, c.body, json);
    ExpectRefusedAndAlive(res, *server, c.method + " " + c.path);
  }

  // The same JSON as text inside form fields and JSON strings.
  const std::string jpeg = SolidJpeg(200, 30, 30);
  const std::string deep = NestedArrays(70'000);
  ExpectRefusedAndAlive(
      client->Post("/v1/zero-shot",
                   httplib::MultipartFormDataItems{{"file", jpeg, "x.jpg", "image/jpeg"}, {"labels", deep, "", ""}}),
      *server, "zero-shot labels form field");
  ExpectRefusedAndAlive(client->Post("/analyze_image_upload/",
                                     httplib::MultipartFormDataItems{{"image_file", jpeg, "x.jpg", "image/jpeg"},
                                                                     {"tasks_json", deep, "", ""}}),
                        *server, "tasks_json form field");
  ExpectRefusedAndAlive(
      client->Put("/v1/collections/c/items/b",
                  nlohmann::json({{"vector", {1, 0}}, {"metadata", "{\"m\":" + deep + "}"}}).dump(), json),
      *server, "metadata as a JSON string");

  // Nesting up to the limit is accepted and stored; the item reads back.
  std::string metadata = "{\"m\":" + NestedArrays(63) + "}";  // 64 levels with its object
  auto stored = client->Put("/v1/collections/c/items/ok", "{\"vector\": [1, 0], \"metadata\": " + metadata + "}", json);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->status, 400) << "65 levels counting the body object: " << stored->body;
  metadata = "{\"m\":" + NestedArrays(62) + "}";
  stored = client->Put("/v1/collections/c/items/ok", "{\"vector\": [1, 0], \"metadata\": " + metadata + "}", json);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->status, 200) << stored->body;
  auto item = client->Get("/v1/collections/c/items/ok");
  ASSERT_TRUE(item);
  EXPECT_EQ(ParseJson(item->body)["metadata"], nlohmann::json::parse(metadata));
}

}  // namespace
}  // namespace iris::testing
