// End-to-end: POST /v1/collections/{name}/duplicates on the real `iris serve` (real clothing photos put
// as image items of a CLIP collection using the clip-standin-colors export; a mirrored copy made with
// libvips must be found, an unrelated photo must not), and `iris index add DIR` writing a collection
// that a server started afterwards on the same data dir serves.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <fstream>
#include <thread>

#include "e2e_http.h"
#include "image/test_images.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"

namespace iris::testing {
namespace {

namespace fs = std::filesystem;

std::string ColorsModel() { return "colors=" + RequireShared("models/clip-standin-colors").string(); }

std::unique_ptr<ServerProcess> StartColorsServer(std::optional<fs::path> data_dir = std::nullopt) {
  ServerOptions options =
      ServeWith({"--local-models", ColorsModel(), "--default-clip-model", "colors", "--preload-models", "colors"});
  options.data_dir = std::move(data_dir);
  auto server = ServerProcess::Start(options);
  auto client = server->Client();
  for (int i = 0; i < 200; ++i) {
    if (auto r = client->Get("/readyz"); r && r->status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return server;
}

std::string Mirrored(const std::string& jpeg) {
  if (!StartVips().ok()) throw std::runtime_error("libvips did not start");
  auto image = vips::VImage::new_from_buffer(jpeg.data(), jpeg.size(), "");
  return EncodeWithVips(image.flip(VIPS_DIRECTION_HORIZONTAL), ".jpg[Q=90]");
}

std::pair<int, nlohmann::json> PostImage(httplib::Client& client, const std::string& path, const std::string& jpeg) {
  httplib::MultipartFormDataItems form = {{"file", jpeg, "q.jpg", "image/jpeg"}};
  auto res = client.Post(path.c_str(), form);
  if (!res) return {-1, nullptr};
  return {res->status, ParseJson(res->body)};
}

std::vector<std::string> Ids(const nlohmann::json& list) {
  std::vector<std::string> ids;
  for (const auto& c : list) ids.push_back(c["id"]);
  return ids;
}

TEST(CollectionDuplicatesE2eTest, FindsAMirroredCopyNotAnUnrelatedPhoto) {
  auto server = StartColorsServer();
  auto client = server->Client();
  auto created = client->Post("/v1/collections", R"({"name": "shop"})", "application/json");
  ASSERT_TRUE(created && created->status == 201) << (created ? created->body : "no reply");

  const auto dresses = ClothingPhotos("dress");
  ASSERT_GE(dresses.size(), 3u);
  std::vector<std::string> jpegs;
  for (int i = 0; i < 3; ++i) {
    jpegs.push_back(ReadFileBytes(dresses[i]));
    httplib::MultipartFormDataItems form = {{"file", jpegs.back(), "d.jpg", "image/jpeg"},
                                            {"metadata", R"({"n": )" + std::to_string(i) + "}", "", ""}};
    auto res = client->Put(("/v1/collections/shop/items/d" + std::to_string(i)).c_str(), form);
    ASSERT_TRUE(res && res->status == 200) << (res ? res->body : "no reply");
  }

  auto [status, body] = PostImage(*client, "/v1/collections/shop/duplicates", Mirrored(jpegs[0]));
  ASSERT_EQ(status, 200) << body.dump();
  EXPECT_EQ(body["indexed"], 3);
  ASSERT_EQ(Ids(body["duplicates"]), std::vector<std::string>{"d0"}) << body.dump(2);
  const auto& dup = body["duplicates"][0];
  EXPECT_TRUE(dup["duplicate"].get<bool>());
  EXPECT_FALSE(dup["reason"].get<std::string>().empty());
  EXPECT_TRUE(dup["view"].get<std::string>().find("flip") != std::string::npos || dup["inliers"].get<int>() >= 12)
      << dup;
  ASSERT_TRUE(dup["similarity"].is_number()) << dup;  // the colour stand-in's similarity, as evidence
  EXPECT_GT(dup["similarity"].get<double>(), 0.5);
  for (const auto& c : body["candidates"]) EXPECT_FALSE(c["duplicate"].get<bool>()) << c;

  // An unrelated photo (another category) is nobody's duplicate.
  const auto shoes = ClothingPhotos("shoes");
  ASSERT_FALSE(shoes.empty());
  std::tie(status, body) = PostImage(*client, "/v1/collections/shop/duplicates", ReadFileBytes(shoes[0]));
  ASSERT_EQ(status, 200) << body.dump();
  EXPECT_TRUE(body["duplicates"].empty()) << body.dump(2);

  // A deleted item is no longer reported; the others still are.
  ASSERT_EQ(client->Delete("/v1/collections/shop/items/d0")->status, 200);
  std::tie(status, body) = PostImage(*client, "/v1/collections/shop/duplicates", Mirrored(jpegs[0]));
  ASSERT_EQ(status, 200);
  EXPECT_EQ(body["indexed"], 2);
  EXPECT_TRUE(body["duplicates"].empty()) << body.dump(2);
  for (const auto& id : Ids(body["candidates"])) EXPECT_NE(id, "d0");
  std::tie(status, body) = PostImage(*client, "/v1/collections/shop/duplicates", jpegs[1]);
  ASSERT_EQ(status, 200);
  EXPECT_EQ(Ids(body["duplicates"]), std::vector<std::string>{"d1"}) << body.dump(2);

  // Errors: unknown collection 404, no image 422.
  EXPECT_EQ(PostImage(*client, "/v1/collections/nope/duplicates", jpegs[1]).first, 404);
  auto none = client->Post("/v1/collections/shop/duplicates", "{}", "application/json");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 422) << none->body;

  // A re-created collection of the same name starts with an empty duplicate index.
  ASSERT_EQ(client->Delete("/v1/collections/shop")->status, 200);
  ASSERT_EQ(client->Post("/v1/collections", R"({"name": "shop"})", "application/json")->status, 201);
  std::tie(status, body) = PostImage(*client, "/v1/collections/shop/duplicates", jpegs[1]);
  ASSERT_EQ(status, 200);
  EXPECT_EQ(body["indexed"], 0);
  EXPECT_TRUE(body["duplicates"].empty());
}

std::string IndexAdd(const TempDir& data, const fs::path& dir, const std::string& rest) {
  return IrisBinary() + " index add " + dir.string() + " --log-level warn --data-dir " + data.path().string() +
         " --local-models " + ColorsModel() + " --default-clip-model colors " + rest;
}

TEST(IndexCliTest, AddsAFolderThatAServerThenServes) {
  TempDir data;
  TempDir folder;
  const auto dresses = ClothingPhotos("dress");
  ASSERT_GE(dresses.size(), 3u);
  fs::create_directories(folder.path() / "sub");
  fs::copy_file(dresses[0], folder.path() / "a.jpg");
  fs::copy_file(dresses[1], folder.path() / "b.jpg");
  fs::copy_file(dresses[2], folder.path() / "sub" / "c.jpg");
  std::ofstream(folder.path() / "notes.txt") << "not an image, not read";

  auto missing = RunCommand(IndexAdd(data, folder.path(), "--collection shop"));
  EXPECT_EQ(missing.exit_code, 3) << missing.output;
  EXPECT_NE(missing.output.find("--create"), std::string::npos) << missing.output;
  EXPECT_NE(missing.output.find("/v1/collections"), std::string::npos) << missing.output;

  auto usage = RunCommand(IndexAdd(data, folder.path() / "nope", "--collection shop"));
  EXPECT_EQ(usage.exit_code, 2) << usage.output;

  auto added = RunCommand(IndexAdd(data, folder.path(), "--collection shop --create --recursive"));
  ASSERT_EQ(added.exit_code, 0) << added.output;
  EXPECT_NE(added.output.find("3 of 3 images indexed"), std::string::npos) << added.output;

  // A file that does not decode: exit 1, the others are still (re)indexed, nothing duplicated.
  std::ofstream(folder.path() / "broken.jpg") << "not really a jpeg";
  auto partial = RunCommand(IndexAdd(data, folder.path(), "--collection shop --recursive"));
  EXPECT_EQ(partial.exit_code, 1) << partial.output;
  EXPECT_NE(partial.output.find("broken.jpg"), std::string::npos) << partial.output;

  auto server = StartColorsServer(data.path());
  auto client = server->Client();
  auto described = client->Get("/v1/collections/shop");
  ASSERT_TRUE(described && described->status == 200);
  auto collection = ParseJson(described->body);
  EXPECT_EQ(collection["count"], 3) << collection;
  EXPECT_EQ(collection["model"], "colors");
  auto ids = client->Get("/v1/collections/shop/items");
  ASSERT_TRUE(ids && ids->status == 200);
  EXPECT_EQ(ParseJson(ids->body)["ids"], nlohmann::json({"a.jpg", "b.jpg", "sub/c.jpg"}));
  auto item = client->Get("/v1/collections/shop/items/b.jpg");
  ASSERT_TRUE(item && item->status == 200);
  EXPECT_EQ(ParseJson(item->body)["metadata"]["path"], "b.jpg");
  // An id with a '/' cannot be a path segment, but works in a JSON body.
  auto nested = client->Post("/v1/collections/shop/search", R"({"id": "sub/c.jpg"})", "application/json");
  ASSERT_TRUE(nested && nested->status == 200) << (nested ? nested->body : "no reply");
  auto search = client->Post("/v1/collections/shop/search", R"({"id": "a.jpg", "top_n": 5})", "application/json");
  ASSERT_TRUE(search && search->status == 200) << (search ? search->body : "no reply");
  auto hits = ParseJson(search->body)["hits"];
  ASSERT_EQ(hits.size(), 2u) << hits;  // the two others; a.jpg itself is excluded
  for (const auto& hit : hits) EXPECT_NE(hit["id"], "a.jpg");
  // The CLI stored duplicate signatures too: the server finds a.jpg as a duplicate of its own photo.
  httplib::MultipartFormDataItems upload = {{"file", ReadFileBytes(dresses[0]), "a.jpg", "image/jpeg"}};
  auto dup = client->Post("/v1/collections/shop/duplicates", upload);
  ASSERT_TRUE(dup && dup->status == 200) << (dup ? dup->body : "no reply");
  auto found = ParseJson(dup->body);
  EXPECT_EQ(found["indexed"], 3) << found;
  ASSERT_GE(found["duplicates"].size(), 1u) << found;
  EXPECT_EQ(found["duplicates"][0]["id"], "a.jpg") << found;
}

}  // namespace
}  // namespace iris::testing
