// End-to-end: two `iris serve` processes sharing their collections through a Milvus server (the fake of
// support/fake_milvus_server.h, speaking Milvus's REST API v2 over loopback), as docs/scale-out.md
// describes: a collection created and filled through one process is listed, read, searched (with a
// metadata filter) and paged through the other; a drop through one is a 404 through the other; Milvus lost
// while serving turns /readyz to 503 and collection routes to JSON 503s. `iris migrate --milvus-url` moves a
// data dir's collections into Milvus and back.
#include <gtest/gtest.h>
#include <httplib.h>

#include "e2e_http.h"
#include "support/fake_milvus_server.h"
#include "support/postgres_process.h"

namespace iris::testing {
namespace {

std::vector<std::string> MilvusArgs(const std::string& milvus_url) {
  return {"--vector-engine", "milvus", "--milvus-url", milvus_url, "--milvus-token", "root:e2e-secret"};
}

std::pair<int, nlohmann::json> Send(httplib::Result res) {
  if (!res) return {-1, nullptr};
  return {res->status, ParseJson(res->body)};
}

TEST(ScaleOutMilvusE2eTest, TwoProcessesShareCollectionsThroughMilvus) {
  auto milvus = std::make_unique<FakeMilvusServer>("root:e2e-secret");
  auto a = ServerProcess::Start(ServeWith(MilvusArgs(milvus->url())));
  auto b = ServerProcess::Start(ServeWith(MilvusArgs(milvus->url())));
  auto one = a->Client();
  auto two = b->Client();

  auto [status, body] = Send(one->Post(
      "/v1/collections", R"({"name": "shop-1", "model": "external", "dim": 3, "metric": "l2"})", "application/json"));
  ASSERT_EQ(status, 201) << body.dump();
  std::tie(status, body) = Send(two->Get("/v1/collections"));
  ASSERT_EQ(status, 200) << body.dump();
  ASSERT_EQ(body["collections"].size(), 1u) << body.dump();
  EXPECT_EQ(body["collections"][0]["name"], "shop-1");
  EXPECT_EQ(
      Send(two->Post("/v1/collections", R"({"name": "shop-1", "model": "external", "dim": 3})", "application/json"))
          .first,
      409);

  for (const auto& [id, vector, colour] :
       {std::tuple{"x", std::vector<float>{1, 0, 0}, "red"}, std::tuple{"y", std::vector<float>{0, 2, 0}, "blue"},
        std::tuple{"z", std::vector<float>{1, 1, 0}, "red"}}) {
    const nlohmann::json item = {{"vector", vector}, {"metadata", {{"colour", colour}}}};
    std::tie(status, body) =
        Send(one->Put("/v1/collections/shop-1/items/" + std::string(id), item.dump(), "application/json"));
    ASSERT_EQ(status, 200) << body.dump();
  }
  std::tie(status, body) =
      Send(two->Post("/v1/collections/shop-1/search",
                     R"({"vector": [1, 0, 0], "top_n": 5, "filter": {"colour": "red"}})", "application/json"));
  ASSERT_EQ(status, 200) << body.dump();
  ASSERT_EQ(body["hits"].size(), 2u) << body.dump();
  EXPECT_EQ(body["hits"][0]["id"], "x");
  EXPECT_NEAR(body["hits"][0]["distance"].get<double>(), 0.0, 1e-6);
  EXPECT_EQ(body["hits"][1]["id"], "z");
  EXPECT_NEAR(body["hits"][1]["distance"].get<double>(), 1.0, 1e-5) << "the Euclidean distance, not its square";
  std::tie(status, body) = Send(two->Get("/v1/collections/shop-1/items?offset=1&limit=5"));
  ASSERT_EQ(status, 200) << body.dump();
  EXPECT_EQ(body["ids"], (nlohmann::json{"y", "z"})) << body.dump();
  std::tie(status, body) = Send(two->Get("/v1/collections/shop-1/items/y"));
  ASSERT_EQ(status, 200) << body.dump();
  EXPECT_EQ(body["metadata"]["colour"], "blue") << body.dump();
  std::tie(status, body) = Send(two->Get("/readyz"));
  EXPECT_EQ(status, 200) << body.dump();
  EXPECT_EQ(body["checks"]["vector_engine"]["status"], "ok") << body.dump();

  std::tie(status, body) = Send(one->Delete("/v1/collections/shop-1"));
  ASSERT_EQ(status, 200) << body.dump();
  EXPECT_EQ(Send(two->Get("/v1/collections/shop-1")).first, 404);

  milvus.reset();  // the Milvus server goes away
  std::tie(status, body) = Send(two->Get("/readyz"));
  EXPECT_EQ(status, 503) << body.dump();
  EXPECT_EQ(body["checks"]["vector_engine"]["status"], "failing") << body.dump();
  std::tie(status, body) = Send(two->Get("/v1/collections"));
  EXPECT_EQ(status, 503) << body.dump();
  EXPECT_NE(body.dump().find("Milvus"), std::string::npos) << body.dump();
  EXPECT_EQ(body.dump().find("e2e-secret"), std::string::npos) << "the token is never quoted";
  EXPECT_EQ(body.dump().find("127.0.0.1"), std::string::npos) << "no internal address in a reply";
}

TEST(ScaleOutMilvusE2eTest, MigrateMovesADataDirsCollectionsIntoMilvusAndBack) {
  FakeMilvusServer milvus("root:e2e-secret");
  auto postgres = PostgresProcess::Start();
  ASSERT_NE(postgres, nullptr) << PostgresProcess::NotInstalledMessage();
  const std::string url = postgres->CreateDatabase();
  TempDir source, back;
  {  // a data dir filled by an embedded server
    ServerOptions embedded;
    embedded.data_dir = source.path();
    auto server = ServerProcess::Start(embedded);
    auto client = server->Client();
    ASSERT_EQ(Send(client->Post("/v1/collections", R"({"name": "shop", "model": "external", "dim": 3, "metric": "l2"})",
                                "application/json"))
                  .first,
              201);
    for (const auto& [id, vector, colour] :
         {std::tuple{"x", std::vector<float>{1, 0, 0}, "red"}, std::tuple{"y", std::vector<float>{0, 2, 0}, "blue"},
          std::tuple{"z", std::vector<float>{1, 1, 0}, "red"}}) {
      const nlohmann::json item = {{"vector", vector}, {"metadata", {{"colour", colour}}}};
      ASSERT_EQ(
          Send(client->Put("/v1/collections/shop/items/" + std::string(id), item.dump(), "application/json")).first,
          200);
    }
  }
  const std::string engine = " --milvus-url " + milvus.url() + " --milvus-token root:e2e-secret";
  auto moved =
      RunCommand(IrisBinary() + " migrate --from sqlite:" + source.path().string() + " --to '" + url + "'" + engine);
  ASSERT_EQ(moved.exit_code, 0) << moved.output;
  EXPECT_NE(moved.output.find("collection shop: 3 copied, 3 items on both sides"), std::string::npos) << moved.output;
  EXPECT_EQ(moved.output.find("e2e-secret"), std::string::npos) << moved.output;
  {  // a server on Milvus finds them
    auto server = ServerProcess::Start(ServeWith(MilvusArgs(milvus.url())));
    auto client = server->Client();
    auto [status, body] =
        Send(client->Post("/v1/collections/shop/search", R"({"vector": [0, 1, 0], "top_n": 1})", "application/json"));
    ASSERT_EQ(status, 200) << body.dump();
    EXPECT_EQ(body["hits"][0]["id"], "y") << body.dump();
    EXPECT_EQ(body["hits"][0]["metadata"]["colour"], "blue") << body.dump();
  }
  auto returned =
      RunCommand(IrisBinary() + " migrate --from '" + url + "' --to sqlite:" + back.path().string() + engine);
  ASSERT_EQ(returned.exit_code, 0) << returned.output;
  EXPECT_NE(returned.output.find("collection shop: 3 copied, 3 items on both sides"), std::string::npos)
      << returned.output;
  {
    ServerOptions embedded;
    embedded.data_dir = back.path();
    auto server = ServerProcess::Start(embedded);
    auto [status, body] = Send(server->Client()->Get("/v1/collections/shop/items/z"));
    ASSERT_EQ(status, 200) << body.dump();
    EXPECT_EQ(body["metadata"]["colour"], "red") << body.dump();
  }
  auto both = RunCommand(IrisBinary() + " migrate --from sqlite:" + back.path().string() + " --to '" + url + "'" +
                         engine + " --qdrant-url http://127.0.0.1:1");
  EXPECT_EQ(both.exit_code, 2) << both.output;
  EXPECT_NE(both.output.find("name one engine"), std::string::npos) << both.output;
}

}  // namespace
}  // namespace iris::testing
