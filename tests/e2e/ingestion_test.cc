// End-to-end: image ingestion through the real `iris serve` over HTTP -- every upload format,
// URL ingestion from a local server, and every class of bad input answered with a JSON error.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <future>
#include <thread>

#include "core/hash.h"
#include "e2e_http.h"
#include "local_http_server.h"
#include "image/test_images.h"

namespace iris::testing {
namespace {

std::uint32_t Crc32(const std::string& data) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void PutBigEndian(std::string& s, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s[at + i] = static_cast<char>((v >> (24 - 8 * i)) & 0xFF);
}

// A valid small PNG whose IHDR claims 100000 x 100000 pixels (CRC fixed, so it parses).
std::string PngBomb() {
  std::string png = EncodeWithVips(SharedPhoto(16, 16), ".png");
  PutBigEndian(png, 16, 100000);
  PutBigEndian(png, 20, 100000);
  PutBigEndian(png, 29, Crc32(png.substr(12, 17)));
  return png;
}

httplib::Result Upload(httplib::Client& client, const std::string& bytes, const std::string& name,
                       const std::string& path = "/v1/images") {
  httplib::MultipartFormDataItems items = {{"file", bytes, name, "application/octet-stream"}};
  return client.Post(path.c_str(), items);
}

httplib::Result PostJson(httplib::Client& client, const std::string& path, const nlohmann::json& body) {
  return client.Post(path.c_str(), body.dump(), "application/json");
}

// Asserts status and a JSON {"detail": "..."} body containing `fragment`.
void ExpectError(const httplib::Result& res, int status, const std::string& fragment) {
  ASSERT_TRUE(res) << "no response";
  EXPECT_EQ(res->status, status) << res->body;
  auto body = ParseJson(res->body);
  ASSERT_TRUE(body.is_object() && body.contains("detail")) << res->body;
  EXPECT_NE(body["detail"].get<std::string>().find(fragment), std::string::npos) << res->body;
}


TEST(IngestionE2eTest, UploadsEveryFormatAndStoresTheOriginal) {
  auto server = ServerProcess::Start();
  auto client = server->Client();
  const vips::VImage photo = SharedPhoto(160, 120);
  const std::vector<std::pair<std::string, std::string>> formats = {
      {".jpg", "JPEG"}, {".png", "PNG"},   {".webp", "WebP"}, {".gif", "GIF"},
      {".tif", "TIFF"}, {".avif", "AVIF"}, {".heic", "HEIC"}};
  for (const auto& [suffix, name] : formats) {
    SCOPED_TRACE(suffix);
    std::string bytes = EncodeWithVips(photo, suffix);
    auto res = Upload(*client, bytes, "photo" + suffix);
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    auto body = ParseJson(res->body);
    EXPECT_EQ(body["format"], name);
    EXPECT_EQ(body["width"], 160);
    EXPECT_EQ(body["height"], 120);
    EXPECT_EQ(body["sha256"], Sha256Hex(bytes));
    EXPECT_EQ(body["source"], "uploaded:photo" + suffix);
    EXPECT_EQ(body["key"].get<std::string>().find("photo"), std::string::npos) << "key must not use the file name";
    auto stored = client->Get(("/v1/images/" + Sha256Hex(bytes)).c_str());
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->status, 200);
    EXPECT_EQ(stored->body, bytes);
  }
  ExpectError(client->Get(("/v1/images/" + std::string(64, 'a')).c_str()), 404, "no stored image");
  ExpectError(client->Get("/v1/images/not-a-hash"), 422, "sha256");
}

TEST(IngestionE2eTest, IngestsUrlsFromAnAllowedLocalServer) {
  const std::string jpeg = SharedPhotoBytes();
  LocalHttpServer images([&](httplib::Server& s) {
    s.Get("/photo.jpg", [&](const httplib::Request&, httplib::Response& res) { res.set_content(jpeg, "image/jpeg"); });
    s.Get("/moved", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/photo.jpg"); });
  });
  auto server = ServerProcess::Start(ServeWith({"--fetch-allow-hosts", "127.0.0.1"}));
  auto client = server->Client();
  for (const std::string path : {"/photo.jpg", "/moved"}) {
    auto res = PostJson(*client, "/v1/images", {{"image_url", images.Url("127.0.0.1", path)}});
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    auto body = ParseJson(res->body);
    EXPECT_EQ(body["sha256"], Sha256Hex(jpeg));
    EXPECT_EQ(body["source"], images.Url("127.0.0.1", path));
  }
  ExpectError(PostJson(*client, "/v1/images", {{"image_url", images.Url("127.0.0.1", "/missing.jpg")}}), 400, "404");
}

TEST(IngestionE2eTest, BadUploadsGetClearJsonErrors) {
  auto server = ServerProcess::Start(ServeWith({"--max-image-bytes", "2000000"}));
  auto client = server->Client();
  const std::string jpeg = SharedPhotoBytes();
  ExpectError(Upload(*client, "", "empty.jpg"), 400, "empty");
  ExpectError(Upload(*client, jpeg.substr(0, jpeg.size() / 2), "half.jpg"), 400, "corrupt or truncated");
  ExpectError(Upload(*client, ReadFileBytes(RequireShared("data/near-duplicates/images/ukbench09268_corrupt.jpg")),
                     "ukbench09268_corrupt.jpg"),
              415, "not a supported image");
  ExpectError(Upload(*client, "this is a text file, not a photo\n", "notes.jpg"), 415, "not a supported image");
  ExpectError(Upload(*client, PngBomb(), "bomb.png"), 413, "100000");
  ExpectError(Upload(*client, std::string(2'100'000, '\xff'), "huge.jpg"), 413, "");
  httplib::MultipartFormDataItems wrong_field = {{"picture", jpeg, "a.jpg", "image/jpeg"}};
  ExpectError(client->Post("/v1/images", wrong_field), 422, "missing image");
  ExpectError(client->Post("/v1/images", "{not json", "application/json"), 400, "not valid JSON");
  ExpectError(client->Post("/v1/images", "[1,2]", "application/json"), 400, "JSON object");
  ExpectError(client->Post("/v1/images", "hello", "text/plain"), 415, "");
  ExpectError(PostJson(*client, "/v1/images", {{"image_url", ""}}), 422, "empty");
  // The server is still healthy after all of that.
  auto health = client->Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST(IngestionE2eTest, HostileUrlsAreRefused) {
  const std::string jpeg = SharedPhotoBytes();
  LocalHttpServer internal([&](httplib::Server& s) {
    s.Get("/secret.jpg", [&](const httplib::Request&, httplib::Response& res) { res.set_content(jpeg, "image/jpeg"); });
  });
  LocalHttpServer redirector([&](httplib::Server& s) {
    s.Get("/r", [&](const httplib::Request&, httplib::Response& res) {
      res.set_redirect(internal.Url("127.0.0.1", "/secret.jpg"));
    });
  });
  LocalHttpServer stalling([](httplib::Server& s) {
    s.Get("/slow.jpg", [](const httplib::Request&, httplib::Response& res) {
      res.set_chunked_content_provider("image/jpeg", [](size_t, httplib::DataSink& sink) {
        sink.write("\xff\xd8", 2);
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        return true;  // never finishes
      });
    });
  });
  // "localhost" is allowed (the redirector's name), 127.0.0.1 is not.
  auto server = ServerProcess::Start(ServeWith({"--fetch-allow-hosts", "localhost", "--fetch-timeout", "1"}));
  auto client = server->Client();
  ExpectError(PostJson(*client, "/v1/images", {{"image_url", internal.Url("127.0.0.1", "/secret.jpg")}}), 400,
              "loopback");
  ExpectError(PostJson(*client, "/v1/images", {{"image_url", "http://169.254.169.254/latest/meta-data/"}}), 400,
              "link-local");
  ExpectError(PostJson(*client, "/v1/images", {{"image_url", redirector.Url("localhost", "/r")}}), 400, "loopback");
  ExpectError(PostJson(*client, "/v1/images", {{"image_url", "file:///etc/passwd"}}), 400, "");
  auto started = std::chrono::steady_clock::now();
  ExpectError(PostJson(*client, "/v1/images", {{"image_url", stalling.Url("localhost", "/slow.jpg")}}), 400,
              "timed out");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

TEST(IngestionE2eTest, ParallelUploadsNeverSeeALockedDatabase) {
  auto server = ServerProcess::Start();
  const vips::VImage photo = SharedPhoto(64, 48);
  std::vector<std::future<int>> results;
  for (int t = 0; t < 8; ++t) {
    results.push_back(std::async(std::launch::async, [&, t] {
      auto client = server->Client();
      int ok = 0;
      for (int i = 0; i < 5; ++i) {
        // Different bytes per request: JPEG quality varies, so every upload is a new row.
        std::string bytes = EncodeWithVips(photo, ".jpg[Q=" + std::to_string(40 + t * 6 + i) + "]");
        auto res = Upload(*client, bytes, "p.jpg");
        if (res && res->status == 200)
          ++ok;
        else
          ADD_FAILURE() << (res ? res->body : "no response");
      }
      return ok;
    }));
  }
  int total = 0;
  for (auto& r : results) total += r.get();
  EXPECT_EQ(total, 40);
}

}  // namespace
}  // namespace iris::testing
