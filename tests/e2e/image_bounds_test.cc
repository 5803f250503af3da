// End-to-end: what one hostile image may cost the real `iris serve`.
//   * A strip (1x1,000,000 PNG, the 4 KB file that took 6 GB and 13-44 s) is refused with 422
//     from its header on the embedding route, uploaded or by URL; a shape at the limit is embedded.
#include <gtest/gtest.h>
#include <httplib.h>

#include "e2e_http.h"
#include "image/test_images.h"
#include "local_http_server.h"

namespace iris::testing {
namespace {

// A black RGB PNG of any size (libvips compresses a 1x1,000,000 one to a few KB).
std::string BlackPng(int width, int height) {
  if (!StartVips().ok()) throw std::runtime_error("libvips did not start");
  return EncodeWithVips(
      vips::VImage::black(width, height, vips::VImage::option()->set("bands", 3)).cast(VIPS_FORMAT_UCHAR), ".png");
}

httplib::Result EmbedUpload(httplib::Client& client, const std::string& bytes) {
  httplib::MultipartFormDataItems items = {{"file", bytes, "strip.png", "image/png"}};
  return client.Post("/v1/embeddings/image", items);
}

TEST(ImageBoundsE2eTest, StripsOverTheAspectRatioLimitAreRefusedBeforeDecoding) {
  auto server = ServerProcess::Start(
      ServeWith({"--local-models", "colors=" + RequireShared("models/clip-standin-colors").string(),
                 "--default-clip-model", "colors", "--fetch-allow-hosts", "127.0.0.1"}));
  auto client = server->Client();
  const std::string strip = BlackPng(1, 1'000'000);
  ASSERT_LT(strip.size(), 100'000u);
  LocalHttpServer images([&](httplib::Server& s) {
    s.Get("/strip.png", [&](const httplib::Request&, httplib::Response& r) { r.set_content(strip, "image/png"); });
  });
  const nlohmann::json by_url = {{"image_url", images.Url("127.0.0.1", "/strip.png")}};
  for (const auto& res :
       {EmbedUpload(*client, strip), client->Post("/v1/embeddings/image", by_url.dump(), "application/json")}) {
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 422) << res->body;
    const std::string detail = ParseJson(res->body).value("detail", "");
    EXPECT_NE(detail.find("1x1000000"), std::string::npos) << detail;
    EXPECT_NE(detail.find("limit of 50:1"), std::string::npos) << detail;
  }
  // Shapes at the limit, either way round, are embedded.
  for (auto [w, h] : {std::pair{20, 1000}, std::pair{1000, 20}}) {
    auto res = EmbedUpload(*client, BlackPng(w, h));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << w << "x" << h << ": " << res->body;
    EXPECT_EQ(ParseJson(res->body)["dim"], 512);
  }
}

}  // namespace
}  // namespace iris::testing
