// End-to-end: the seed-003/004 jewelry catalog routes on the real `iris serve` (CLIP stand-in model, real
// photos): POST /image_similarity_search (new -> stored and indexed; the same or a mirrored photo ->
// duplicate with distance and URL; check_duplicate=no stores without checking), POST /delete_image (vector,
// signature and blob removed; a blob two websites share stays until the last goes), every bad input class
// answered with a JSON error and nothing changed, and the same flow on the S3 backend against s3rver.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <regex>

#include "core/hash.h"
#include "e2e_http.h"
#include "image/test_images.h"
#include "support/s3rver_process.h"
#include "support/shared_data.h"

namespace iris::testing {
namespace {

namespace fs = std::filesystem;

std::unique_ptr<ServerProcess> StartCatalogServer(std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {
      "--local-models",       "colors=" + RequireShared("models/clip-standin-colors").string(),
      "--default-clip-model", "colors",
      "--preload-models",     "colors"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto server = ServerProcess::Start(ServeWith(args));
  WaitUntilReady(*server);
  return server;
}

std::string Mirrored(const std::string& jpeg) {
  if (!StartVips().ok()) throw std::runtime_error("libvips did not start");
  auto image = vips::VImage::new_from_buffer(jpeg.data(), jpeg.size(), "");
  return EncodeWithVips(image.flip(VIPS_DIRECTION_HORIZONTAL), ".jpg[Q=90]");
}

struct Reply {
  int status = -1;
  nlohmann::json body;
};

Reply Search(httplib::Client& client, const std::string& bytes, httplib::MultipartFormDataItems fields = {}) {
  fields.push_back({"file", bytes, "my photo.jpg", "image/jpeg"});
  auto res = client.Post("/image_similarity_search", fields);
  if (!res) return {};
  return {res->status, ParseJson(res->body)};
}

Reply DeleteImage(httplib::Client& client, httplib::MultipartFormDataItems fields) {
  auto res = client.Post("/delete_image", fields);
  if (!res) return {};
  return {res->status, ParseJson(res->body)};
}

std::size_t FilesUnder(const fs::path& root) {
  if (!fs::exists(root)) return 0;
  std::size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(root)) n += e.is_regular_file() ? 1 : 0;
  return n;
}

TEST(CatalogE2eTest, NewThenDuplicateThenDeleteOnTheFilesystemBackend) {
  auto server = StartCatalogServer();
  auto client = server->Client();
  const std::string dress = ClothingPhotoBytes("dress", 0);

  Reply stored = Search(*client, dress);
  ASSERT_EQ(stored.status, 200) << stored.body.dump();
  EXPECT_FALSE(stored.body["duplicate_found"].get<bool>());
  const std::string name = stored.body["image_name"];
  EXPECT_EQ(name, Sha256Hex(dress)) << "content-addressed, never the client's file name";
  const std::string url = stored.body["s3_url"];
  EXPECT_EQ(url, "/catalog/alya/images/" + name);
  EXPECT_EQ(FetchUrl(*server, url), std::pair(200, dress));

  Reply same = Search(*client, dress);
  ASSERT_EQ(same.status, 200) << same.body.dump();
  ASSERT_TRUE(same.body["duplicate_found"].get<bool>()) << same.body.dump();
  ASSERT_EQ(same.body["results"].size(), 1u);
  EXPECT_EQ(same.body["results"][0]["id"], name);
  EXPECT_LT(same.body["results"][0]["distance"].get<double>(), 1e-4);
  EXPECT_EQ(same.body["results"][0]["path"], url);

  Reply mirrored = Search(*client, Mirrored(dress), {{"top_k", "3", "", ""}});
  ASSERT_EQ(mirrored.status, 200) << mirrored.body.dump();
  ASSERT_TRUE(mirrored.body["duplicate_found"].get<bool>()) << mirrored.body.dump();
  EXPECT_EQ(mirrored.body["results"][0]["id"], name);
  const double distance = mirrored.body["results"][0]["distance"].get<double>();
  EXPECT_GE(distance, -1e-6);
  EXPECT_LE(distance, 2.0);

  Reply other = Search(*client, ClothingPhotoBytes("shoes", 0));
  ASSERT_EQ(other.status, 200) << other.body.dump();
  EXPECT_FALSE(other.body["duplicate_found"].get<bool>()) << other.body.dump();

  // check_duplicate=no stores without checking; the same bytes are the same image, indexed once.
  Reply unchecked = Search(*client, dress, {{"check_duplicate", "no", "", ""}});
  ASSERT_EQ(unchecked.status, 200) << unchecked.body.dump();
  EXPECT_FALSE(unchecked.body["duplicate_found"].get<bool>());
  EXPECT_EQ(unchecked.body["image_name"], name);
  auto collection = client->Get("/v1/collections/catalog-alya");
  ASSERT_TRUE(collection && collection->status == 200);
  EXPECT_EQ(ParseJson(collection->body)["count"], 2) << collection->body;

  Reply deleted = DeleteImage(*client, {{"s3_url", url, "", ""}});
  ASSERT_EQ(deleted.status, 200) << deleted.body.dump();
  EXPECT_EQ(deleted.body["image_name"], name);
  EXPECT_TRUE(deleted.body["blob_deleted"].get<bool>());
  EXPECT_EQ(FetchUrl(*server, url).first, 404);
  EXPECT_FALSE(Search(*client, Mirrored(dress)).body["duplicate_found"].get<bool>()) << "signature removed too";
  EXPECT_EQ(DeleteImage(*client, {{"image_name", std::string(64, 'a'), "", ""}}).status, 404);
}

TEST(CatalogE2eTest, ABlobTwoWebsitesShareStaysUntilTheLastGoes) {
  auto server = StartCatalogServer({"--catalog-websites", "alya=shared,blysk=shared/,unused=shared"});
  auto client = server->Client();
  const std::string dress = ClothingPhotoBytes("dress", 1);
  Reply a = Search(*client, dress, {{"website", "alya", "", ""}});
  Reply b = Search(*client, dress, {{"website", "blysk", "", ""}});
  ASSERT_EQ(a.status, 200) << a.body.dump();
  ASSERT_EQ(b.status, 200) << b.body.dump();
  EXPECT_FALSE(b.body["duplicate_found"].get<bool>()) << "each website is its own catalog";
  EXPECT_EQ(FilesUnder(server->data_dir() / "catalog-blobs" / "shared"), 1u);

  Reply first = DeleteImage(*client, {{"website", "alya", "", ""}, {"image_name", a.body["image_name"], "", ""}});
  ASSERT_EQ(first.status, 200) << first.body.dump();
  EXPECT_FALSE(first.body["blob_deleted"].get<bool>());
  EXPECT_EQ(FetchUrl(*server, b.body["s3_url"]), std::pair(200, dress));
  Reply last = DeleteImage(*client, {{"website", "blysk", "", ""}, {"image_name", b.body["image_name"], "", ""}});
  ASSERT_EQ(last.status, 200) << last.body.dump();
  EXPECT_TRUE(last.body["blob_deleted"].get<bool>()) << "a website never used at that location holds nothing";
  EXPECT_EQ(FilesUnder(server->data_dir() / "catalog-blobs" / "shared"), 0u);
}

TEST(CatalogE2eTest, BadInputsGetAJsonErrorAndChangeNothing) {
  auto server = StartCatalogServer();
  auto client = server->Client();
  const std::string dress = ClothingPhotoBytes("dress", 2);
  const fs::path blobs = server->data_dir() / "catalog-blobs";
  auto expect_error = [&](int status, const httplib::Result& res, const std::string& needle) {
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, status) << res->body;
    const auto body = ParseJson(res->body);
    ASSERT_TRUE(body.is_object() && body["detail"].is_string()) << res->body;
    EXPECT_NE(body["detail"].get<std::string>().find(needle), std::string::npos) << res->body;
  };
  httplib::MultipartFormDataItems no_file = {{"website", "alya", "", ""}};
  expect_error(422, client->Post("/image_similarity_search", no_file), "file");
  httplib::MultipartFormDataItems text = {{"file", "just some text, not an image", "a.jpg", "image/jpeg"}};
  expect_error(415, client->Post("/image_similarity_search", text), "");
  httplib::MultipartFormDataItems unknown = {{"file", dress, "a.jpg", "image/jpeg"}, {"website", "nope", "", ""}};
  expect_error(422, client->Post("/image_similarity_search", unknown), "configured websites: alya, blysk");
  for (const char* top_k : {"0", "-1", "abc", "1000"}) {
    httplib::MultipartFormDataItems bad = {{"file", dress, "a.jpg", "image/jpeg"}, {"top_k", top_k, "", ""}};
    expect_error(422, client->Post("/image_similarity_search", bad), "top_k");
  }
  httplib::MultipartFormDataItems maybe = {{"file", dress, "a.jpg", "image/jpeg"},
                                           {"check_duplicate", "maybe", "", ""}};
  expect_error(422, client->Post("/image_similarity_search", maybe), "check_duplicate");
  httplib::MultipartFormDataItems no_name = {{"website", "alya", "", ""}};
  expect_error(422, client->Post("/delete_image", no_name), "image_name");
  httplib::MultipartFormDataItems bad_name = {{"image_name", "../../etc/passwd", "", ""}};
  expect_error(422, client->Post("/delete_image", bad_name), "image_name");
  httplib::MultipartFormDataItems delete_unknown = {{"website", "nope", "", ""},
                                                    {"image_name", Sha256Hex(dress), "", ""}};
  expect_error(422, client->Post("/delete_image", delete_unknown), "configured websites");

  EXPECT_EQ(FilesUnder(blobs), 0u) << "nothing stored";
  auto collection = client->Get("/v1/collections/catalog-alya");
  ASSERT_TRUE(collection);
  EXPECT_TRUE(collection->status == 404 || ParseJson(collection->body)["count"] == 0) << collection->body;
}

TEST(CatalogE2eTest, S3BackendStoresPresignsAndDeletesInS3rver) {
  auto s3 = S3rverProcess::Start({"alyaimg", "blyskimg"});
  ASSERT_TRUE(s3) << "s3rver is not installed (" << S3rverScript() << "): run scripts/setup.sh";
  auto server = StartCatalogServer({"--storage-backend", "s3", "--s3-endpoint", s3->virtual_host_endpoint(),
                                    "--s3-access-key-id", "S3RVER", "--s3-secret-access-key", "S3RVER",
                                    "--catalog-websites", "alya=alyaimg/catalog,blysk=blyskimg"});
  auto client = server->Client();
  const std::string dress = ClothingPhotoBytes("dress", 3);
  Reply stored = Search(*client, dress, {{"website", "blysk", "", ""}});
  ASSERT_EQ(stored.status, 200) << stored.body.dump() << server->Logs();
  const std::string url = stored.body["s3_url"];
  EXPECT_EQ(url.rfind(s3->virtual_host_endpoint().replace(7, 0, "blyskimg."), 0), 0u) << url;
  EXPECT_NE(url.find("X-Amz-Signature="), std::string::npos) << "presigned: the bucket may be private";
  EXPECT_EQ(FetchUrl(*server, url), std::pair(200, dress));

  Reply again = Search(*client, dress, {{"website", "blysk", "", ""}});
  ASSERT_TRUE(again.body["duplicate_found"].get<bool>()) << again.body.dump();
  EXPECT_EQ(FetchUrl(*server, again.body["results"][0]["path"]), std::pair(200, dress));
  EXPECT_FALSE(Search(*client, dress).body["duplicate_found"].get<bool>()) << "alya is another catalog";
  EXPECT_TRUE(fs::exists(s3->directory() / "alyaimg" / "catalog")) << "alya's prefix";

  Reply deleted = DeleteImage(*client, {{"website", "blysk", "", ""}, {"s3_url", url, "", ""}});
  ASSERT_EQ(deleted.status, 200) << deleted.body.dump();
  EXPECT_TRUE(deleted.body["blob_deleted"].get<bool>());
  EXPECT_EQ(FetchUrl(*server, url).first, 404);
}

}  // namespace
}  // namespace iris::testing
