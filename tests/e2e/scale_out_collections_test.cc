// End-to-end: three `iris serve` processes sharing their collections through a Qdrant server (the fake of
// support/fake_qdrant_server.h, speaking Qdrant's REST API over loopback) and their duplicate signatures,
// jobs and cache through a real PostgreSQL server (support/postgres_process.h), as docs/scale-out.md
// describes: an image indexed through one process is found as a near-duplicate, listed and searched
// through the others; a delete through one is seen by all; `iris migrate` moves an embedded data dir there;
// an original stored through one process (S3 on a real s3rver) is served by another.
#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "e2e_http.h"
#include "image/test_images.h"
#include "support/fake_qdrant_server.h"
#include "support/postgres_process.h"
#include "support/s3rver_process.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"

namespace iris::testing {
namespace {

std::vector<std::string> SharedCollectionArgs(const std::string& database_url, const std::string& qdrant_url) {
  return {"--local-models",       "colors=" + RequireShared("models/clip-standin-colors").string(),
          "--default-clip-model", "colors",
          "--database-url",       database_url,
          "--vector-engine",      "qdrant",
          "--qdrant-url",         qdrant_url,
          "--qdrant-api-key",     "e2e-key"};
}

// A re-encoded copy: mirrored and 80% the size.
std::string EditedCopy(const std::string& jpeg) {
  if (!StartVips().ok()) throw std::runtime_error("libvips did not start");
  auto image = vips::VImage::new_from_buffer(jpeg.data(), jpeg.size(), "");
  return EncodeWithVips(image.flip(VIPS_DIRECTION_HORIZONTAL).resize(0.8), ".jpg[Q=80]");
}

std::pair<int, nlohmann::json> Send(httplib::Result res) {
  if (!res) return {-1, nullptr};
  return {res->status, ParseJson(res->body)};
}

std::vector<std::string> Ids(const nlohmann::json& list) {
  std::vector<std::string> ids;
  for (const auto& c : list) ids.push_back(c["id"]);
  return ids;
}

TEST(ScaleOutCollectionsE2eTest, AnImageIndexedThroughOneProcessIsFoundThroughTheOthers) {
  auto postgres = PostgresProcess::Start();
  if (!postgres) FAIL() << PostgresProcess::NotInstalledMessage();
  const std::string url = postgres->CreateDatabase();
  FakeQdrantServer qdrant("e2e-key");

  std::vector<std::unique_ptr<ServerProcess>> servers;
  for (int s = 0; s < 3; ++s) {
    servers.push_back(ServerProcess::Start(ServeWith(SharedCollectionArgs(url, qdrant.url()))));
  }
  auto a = servers[0]->Client();
  auto b = servers[1]->Client();
  auto c = servers[2]->Client();
  for (auto* client : {a.get(), b.get(), c.get()}) {
    auto ready = Send(client->Get("/readyz"));
    EXPECT_EQ(ready.first, 200) << ready.second.dump();
  }

  auto [status, body] = Send(a->Post("/v1/collections", R"({"name": "shop"})", "application/json"));
  ASSERT_EQ(status, 201) << body.dump();
  // The collection made through a is listed by c, and a second create through b is refused.
  std::tie(status, body) = Send(c->Get("/v1/collections"));
  ASSERT_EQ(status, 200);
  ASSERT_EQ(body["collections"].size(), 1u) << body.dump();
  EXPECT_EQ(body["collections"][0]["name"], "shop");
  EXPECT_EQ(body["collections"][0]["model"], "colors");
  std::tie(status, body) = Send(b->Post("/v1/collections", R"({"name": "shop"})", "application/json"));
  EXPECT_EQ(status, 409) << body.dump();

  const auto dresses = ClothingPhotos("dress");
  const auto shoes = ClothingPhotos("shoes");
  ASSERT_GE(dresses.size(), 2u);
  ASSERT_GE(shoes.size(), 1u);
  const std::string dress = ReadFileBytes(dresses[0]);
  httplib::MultipartFormDataItems put = {{"file", dress, "d.jpg", "image/jpeg"},
                                         {"metadata", R"({"colour": "red"})", "", ""}};
  std::tie(status, body) = Send(a->Put("/v1/collections/shop/items/dress-0", put));
  ASSERT_EQ(status, 200) << body.dump();
  httplib::MultipartFormDataItems put_other = {{"file", ReadFileBytes(dresses[1]), "d.jpg", "image/jpeg"}};
  std::tie(status, body) = Send(c->Put("/v1/collections/shop/items/dress-1", put_other));
  ASSERT_EQ(status, 200) << body.dump();
  EXPECT_EQ(body["count"], 2) << "c counts the item a stored";

  // b finds an edited copy of a's upload as a near-duplicate, and not an unrelated photo.
  httplib::MultipartFormDataItems query = {{"file", EditedCopy(dress), "q.jpg", "image/jpeg"}};
  std::tie(status, body) = Send(b->Post("/v1/collections/shop/duplicates", query));
  ASSERT_EQ(status, 200) << body.dump();
  EXPECT_EQ(body["indexed"], 2) << body.dump();
  ASSERT_EQ(Ids(body["duplicates"]), std::vector<std::string>{"dress-0"}) << body.dump(2);
  EXPECT_TRUE(body["duplicates"][0]["similarity"].is_number()) << "b reads the item's vector from Qdrant";
  httplib::MultipartFormDataItems unrelated = {{"file", ReadFileBytes(shoes[0]), "s.jpg", "image/jpeg"}};
  std::tie(status, body) = Send(b->Post("/v1/collections/shop/duplicates", unrelated));
  ASSERT_EQ(status, 200) << body.dump();
  EXPECT_TRUE(body["duplicates"].empty()) << body.dump(2);

  // c reads the item and searches with it; the metadata filter applies in Qdrant.
  std::tie(status, body) = Send(c->Get("/v1/collections/shop/items/dress-0"));
  ASSERT_EQ(status, 200) << body.dump();
  EXPECT_EQ(body["metadata"]["colour"], "red");
  std::tie(status, body) =
      Send(c->Post("/v1/collections/shop/search", R"({"id": "dress-1", "top_n": 5})", "application/json"));
  ASSERT_EQ(status, 200) << body.dump();
  EXPECT_EQ(Ids(body["hits"]), std::vector<std::string>{"dress-0"}) << "the query item itself is excluded";
  std::tie(status, body) =
      Send(c->Post("/v1/collections/shop/search", R"({"id": "dress-1", "top_n": 5, "filter": {"colour": "blue"}})",
                   "application/json"));
  ASSERT_EQ(status, 200) << body.dump();
  EXPECT_TRUE(body["hits"].empty()) << body.dump();

  // A delete through c: a no longer finds the duplicate, b no longer lists the item.
  std::tie(status, body) = Send(c->Delete("/v1/collections/shop/items/dress-0"));
  ASSERT_EQ(status, 200) << body.dump();
  std::tie(status, body) = Send(a->Post("/v1/collections/shop/duplicates", query));
  ASSERT_EQ(status, 200) << body.dump();
  EXPECT_TRUE(body["duplicates"].empty()) << body.dump(2);
  EXPECT_EQ(body["indexed"], 1);
  std::tie(status, body) = Send(b->Get("/v1/collections/shop/items"));
  ASSERT_EQ(status, 200) << body.dump();
  EXPECT_EQ(body["ids"], nlohmann::json::array({"dress-1"}));
  EXPECT_EQ(qdrant.PointCount("iris_c_shop"), 1);

  // Dropped through b: gone for a.
  std::tie(status, body) = Send(b->Delete("/v1/collections/shop"));
  ASSERT_EQ(status, 200) << body.dump();
  std::tie(status, body) = Send(a->Get("/v1/collections/shop"));
  EXPECT_EQ(status, 404) << body.dump();
}

// The upgrade path: a data dir filled by one embedded server moves with `iris migrate --qdrant-url` into
// PostgreSQL and Qdrant, and two processes started on them serve its collections and duplicates.
TEST(ScaleOutCollectionsE2eTest, IrisMigrateMovesCollectionsAndSignaturesIntoPostgresAndQdrant) {
  auto postgres = PostgresProcess::Start();
  if (!postgres) FAIL() << PostgresProcess::NotInstalledMessage();
  const std::string url = postgres->CreateDatabase();
  FakeQdrantServer qdrant("e2e-key");
  TempDir data;
  const auto dresses = ClothingPhotos("dress");
  ASSERT_GE(dresses.size(), 2u);
  const std::string dress = ReadFileBytes(dresses[0]);
  constexpr int kVectors = 300;  // more than one copy batch
  {
    ServerOptions embedded =
        ServeWith({"--local-models", "colors=" + RequireShared("models/clip-standin-colors").string(),
                   "--default-clip-model", "colors"});
    embedded.data_dir = data.path();
    auto server = ServerProcess::Start(embedded);
    auto client = server->Client();
    ASSERT_EQ(Send(client->Post("/v1/collections", R"({"name": "shop"})", "application/json")).first, 201);
    for (int i = 0; i < 2; ++i) {
      httplib::MultipartFormDataItems put = {{"file", ReadFileBytes(dresses[i]), "d.jpg", "image/jpeg"},
                                             {"metadata", R"({"n": )" + std::to_string(i) + "}", "", ""}};
      auto [status, body] = Send(client->Put(("/v1/collections/shop/items/dress-" + std::to_string(i)).c_str(), put));
      ASSERT_EQ(status, 200) << body.dump();
    }
    ASSERT_EQ(Send(client->Post("/v1/collections", R"({"name": "vec", "model": "external", "dim": 4, "metric": "l2"})",
                                "application/json"))
                  .first,
              201);
    for (int i = 0; i < kVectors; ++i) {
      const nlohmann::json item = {{"vector", {i, i % 7, 1.5, -i}}, {"metadata", {{"i", i}}}};
      auto [status, body] = Send(
          client->Put(("/v1/collections/vec/items/v" + std::to_string(i)).c_str(), item.dump(), "application/json"));
      ASSERT_EQ(status, 200) << body.dump();
    }
  }  // the embedded server stops

  const std::string migrate = IrisBinary() + " migrate --from sqlite:" + data.path().string() + " --to '" + url +
                              "' --qdrant-url " + qdrant.url() + " --qdrant-api-key e2e-key";
  auto moved = RunCommand(migrate);
  ASSERT_EQ(moved.exit_code, 0) << moved.output;
  EXPECT_NE(moved.output.find("collection shop: 2 copied, 2 items on both sides"), std::string::npos) << moved.output;
  EXPECT_NE(moved.output.find("collection vec: 300 copied, 300 items on both sides"), std::string::npos)
      << moved.output;
  EXPECT_NE(moved.output.find("duplicate_resident: 2 copied"), std::string::npos) << moved.output;
  auto again = RunCommand(migrate);  // a re-run (an interrupted one, resumed) succeeds and changes nothing
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("duplicate_resident: 0 copied"), std::string::npos) << again.output;

  auto a = ServerProcess::Start(ServeWith(SharedCollectionArgs(url, qdrant.url())));
  auto b = ServerProcess::Start(ServeWith(SharedCollectionArgs(url, qdrant.url())));
  auto client_b = b->Client();
  httplib::MultipartFormDataItems query = {{"file", EditedCopy(dress), "q.jpg", "image/jpeg"}};
  auto [status, body] = Send(client_b->Post("/v1/collections/shop/duplicates", query));
  ASSERT_EQ(status, 200) << body.dump();
  EXPECT_EQ(Ids(body["duplicates"]), std::vector<std::string>{"dress-0"}) << body.dump(2);
  std::tie(status, body) = Send(a->Client()->Post("/v1/collections/vec/search",
                                                  R"({"vector": [10, 3, 1.5, -10], "top_n": 3})", "application/json"));
  ASSERT_EQ(status, 200) << body.dump();
  EXPECT_EQ(Ids(body["hits"]).at(0), "v10") << body.dump();
  EXPECT_FLOAT_EQ(body["hits"][0]["distance"].get<float>(), 0.0f);
  std::tie(status, body) = Send(client_b->Get("/v1/collections/vec"));
  EXPECT_EQ(body["count"], kVectors) << body.dump();
  EXPECT_EQ(body["metric"], "l2");

  // An item deleted on the Qdrant side: verification names the collection.
  ASSERT_EQ(Send(client_b->Delete("/v1/collections/vec/items/v7")).first, 200);
  auto verify = RunCommand(migrate + " --verify-only");
  EXPECT_EQ(verify.exit_code, 1) << verify.output;
  EXPECT_NE(verify.output.find("collection 'vec'"), std::string::npos) << verify.output;
}

// Originals stored by POST /v1/images through one process are served by another: the bytes in an S3
// bucket (a real s3rver), the records in PostgreSQL.
TEST(ScaleOutCollectionsE2eTest, AnImageStoredThroughOneProcessIsServedByAnother) {
  auto postgres = PostgresProcess::Start();
  if (!postgres) FAIL() << PostgresProcess::NotInstalledMessage();
  const std::string url = postgres->CreateDatabase();
  auto s3 = S3rverProcess::Start({"iris-images"});
  ASSERT_TRUE(s3) << "s3rver is not installed (" << S3rverScript() << "): run scripts/setup.sh";
  const std::vector<std::string> args = {"--database-url",         url,
                                         "--s3-images-bucket",     "iris-images",
                                         "--s3-endpoint",          s3->virtual_host_endpoint(),
                                         "--s3-access-key-id",     "S3RVER",
                                         "--s3-secret-access-key", "S3RVER"};
  auto a = ServerProcess::Start(ServeWith(args));
  auto b = ServerProcess::Start(ServeWith(args));
  const std::string dress = ClothingPhotoBytes("dress", 2);
  auto [status, body] =
      Send(a->Client()->Post("/v1/images", httplib::MultipartFormDataItems{{"file", dress, "d.jpg", "image/jpeg"}}));
  ASSERT_EQ(status, 200) << body.dump();
  const std::string sha = body["sha256"];
  auto served = b->Client()->Get(("/v1/images/" + sha).c_str());
  ASSERT_TRUE(served);
  EXPECT_EQ(served->status, 200) << served->body.substr(0, 300);
  EXPECT_EQ(served->get_header_value("Content-Type"), "image/jpeg");
  EXPECT_TRUE(served->body == dress) << "b serves the bytes a stored";
  EXPECT_EQ(PostgresProcess::Query(url, "SELECT sha256, size, content_type FROM blobs"),
            (std::vector<std::string>{sha + "|" + std::to_string(dress.size()) + "|image/jpeg"}));
  auto missing = b->Client()->Get(("/v1/images/" + std::string(64, 'a')).c_str());
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

// Qdrant lost while serving: /readyz says so (a load balancer drains the process), collection routes answer
// a JSON 503, and routes that do not need Qdrant keep working.
TEST(ScaleOutCollectionsE2eTest, QdrantLostWhileServingIsNotReadyAndA503) {
  auto postgres = PostgresProcess::Start();
  if (!postgres) FAIL() << PostgresProcess::NotInstalledMessage();
  const std::string url = postgres->CreateDatabase();
  auto qdrant = std::make_unique<FakeQdrantServer>("e2e-key");
  auto server = ServerProcess::Start(ServeWith(SharedCollectionArgs(url, qdrant->url())));
  auto client = server->Client();
  ASSERT_EQ(Send(client->Get("/readyz")).first, 200);
  ASSERT_EQ(Send(client->Post("/v1/collections", R"({"name": "shop"})", "application/json")).first, 201);
  qdrant.reset();  // the Qdrant server goes away
  auto [status, body] = Send(client->Get("/readyz"));
  EXPECT_EQ(status, 503) << body.dump();
  EXPECT_EQ(body["checks"]["vector_engine"]["status"], "failing") << body.dump();
  EXPECT_EQ(body["checks"]["shared_database"]["status"], "ok") << body.dump();
  std::tie(status, body) = Send(client->Get("/v1/collections/shop"));
  EXPECT_EQ(status, 503) << body.dump();
  EXPECT_NE(body.value("detail", "").find("Qdrant"), std::string::npos) << body.dump();
  EXPECT_EQ(body.dump().find("127.0.0.1"), std::string::npos) << "no internal address in a reply: " << body.dump();
  std::tie(status, body) = Send(client->Get("/tasks"));
  EXPECT_EQ(status, 200) << "the job queue does not need Qdrant: " << body.dump();
}

TEST(ScaleOutCollectionsE2eTest, QdrantUnreachableIsAClearStartError) {
  auto postgres = PostgresProcess::Start();
  if (!postgres) FAIL() << PostgresProcess::NotInstalledMessage();
  const std::string url = postgres->CreateDatabase();
  TempDir data;
  const auto result =
      RunCommand(IrisBinary() + " serve --port 0 --data-dir " + data.path().string() +
                 " --vector-engine qdrant --qdrant-url http://127.0.0.1:1 --database-url '" + url + "'");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("storage.qdrant_url"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace iris::testing
