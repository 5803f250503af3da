// End-to-end: hostile clients cannot crash or monopolise the real `iris serve`.
//   * JSON nested 70,000 levels deep (a 140 KB body) used to overflow the stack when a route
//     serialised or copied it back (SIGSEGV). Every route, body or form field, now answers 400
//     naming the limit (core/json_limits.h), and the server keeps answering.
//   * Texts for the CLIP text tower are bounded per request (api/text_limits.h), with a 422 naming
//     the limit; a 10,000-letter word is tokenised without holding a worker.
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

TEST(HostileInputE2eTest, TextsArePerRequestBoundedWithADetailNamingTheLimit) {
  auto server = StartWithStandIns();
  auto client = server->Client();
  const std::string json = "application/json";

  nlohmann::json too_many = nlohmann::json::array();
  for (int i = 0; i < 257; ++i) too_many.push_back("text " + std::to_string(i));
  auto many = client->Post("/v1/embeddings/text", nlohmann::json({{"texts", too_many}}).dump(), json);
  ASSERT_TRUE(many);
  EXPECT_EQ(many->status, 422) << many->body;
  EXPECT_NE(ParseJson(many->body).value("detail", "").find("at most 256 per request"), std::string::npos) << many->body;

  auto long_text =
      client->Post("/v1/embeddings/text", nlohmann::json({{"texts", {"ok", std::string(10'001, 'a')}}}).dump(), json);
  ASSERT_TRUE(long_text);
  EXPECT_EQ(long_text->status, 422) << long_text->body;
  EXPECT_NE(ParseJson(long_text->body).value("detail", "").find("each may have at most 10000"), std::string::npos)
      << long_text->body;

  const std::string jpeg = SolidJpeg(200, 30, 30);
  auto long_template = client->Post(
      "/v1/zero-shot", httplib::MultipartFormDataItems{{"file", jpeg, "x.jpg", "image/jpeg"},
                                                       {"labels", R"(["red"])", "", ""},
                                                       {"prompt_template", std::string(10'001, 'x') + "{}", "", ""}});
  ASSERT_TRUE(long_template);
  EXPECT_EQ(long_template->status, 422) << long_template->body;
  EXPECT_NE(ParseJson(long_template->body).value("detail", "").find("'prompt_template' must have 1 to 10000 bytes"),
            std::string::npos)
      << long_template->body;

  // At the limits it is served: 256 texts, each one 10,000-letter word (before the tokenizer was
  // bounded this request took minutes of CPU; now each text is cut to CLIP's 77-token context).
  nlohmann::json hostile = nlohmann::json::array();
  for (int i = 0; i < 256; ++i) {
    std::string word(10'000, 'a');
    for (std::size_t k = 0; k < word.size(); ++k) word[k] = static_cast<char>('a' + (k * 7 + k / 26 + i) % 26);
    hostile.push_back(std::move(word));
  }
  client->set_read_timeout(std::chrono::seconds(120));
  auto served = client->Post("/v1/embeddings/text", nlohmann::json({{"texts", hostile}}).dump(), json);
  ASSERT_TRUE(served);
  EXPECT_EQ(served->status, 200) << served->body.substr(0, 500);
  EXPECT_EQ(ParseJson(served->body)["embeddings"].size(), 256u);
}

}  // namespace
}  // namespace iris::testing
