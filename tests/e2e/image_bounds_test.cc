// End-to-end: what one hostile image may cost the real `iris serve`.
//   * A strip (1x1,000,000 PNG, the 4 KB file that took 6 GB and 13-44 s) is refused with 422
//     from its header on the embedding route, uploaded or by URL; a shape at the limit is embedded.
//   * A large photo with several crop tasks gives crops of at most analysis.max_crop_side, a reply
//     within analysis.max_response_bytes, and a result cache within analysis.cache_max_bytes.
#include <gtest/gtest.h>
#include <httplib.h>

#include "analysis_server.h"
#include "core/base64.h"
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

std::pair<int, int> PngSize(const std::string& png) {
  auto be32 = [&](std::size_t at) {
    return (static_cast<unsigned char>(png[at]) << 24) | (static_cast<unsigned char>(png[at + 1]) << 16) |
           (static_cast<unsigned char>(png[at + 2]) << 8) | static_cast<unsigned char>(png[at + 3]);
  };
  if (png.size() < 24 || png.compare(1, 3, "PNG") != 0) return {-1, -1};
  return {static_cast<int>(be32(16)), static_cast<int>(be32(20))};
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

TEST(ImageBoundsE2eTest, CropsRepliesAndTheResultCacheStayWithinTheirBounds) {
  constexpr std::size_t kMaxReply = 4'000'000;
  constexpr double kMaxCache = 3'000'000;
  TempDir classifiers;
  auto server =
      StartAnalysisServer(classifiers.path(), {"--max-analysis-response-bytes", std::to_string(kMaxReply),
                                               "--cache-max-bytes", "3000000", "--cache-max-entry-bytes", "2500000"});
  auto client = server->Client();
  // A portrait scaled 4x (3280x4096): its prominent person is far larger than 1024 pixels.
  ASSERT_TRUE(StartVips().ok());
  const std::string original = ReadFileBytes(RequireShared("data/faces-identity/images/obama_1.jpg"));
  const vips::VImage portrait = vips::VImage::new_from_buffer(original.data(), original.size(), "").resize(4.0);
  ASSERT_EQ(portrait.width(), 3280);
  const std::string jpeg = EncodeWithVips(portrait, ".jpg[Q=90]");
  std::vector<nlohmann::json> tasks;
  for (int k = 1; k <= 8; ++k) {
    tasks.push_back({{"operation_id", "colours" + std::to_string(k)},
                     {"type", "dominant_colors"},
                     {"params", {{"target", "prominent_person"}, {"k", k}}}});
  }
  auto res = AnalyzeUpload(*client, jpeg, "big.jpg", tasks);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body.substr(0, 500);
  EXPECT_LE(res->body.size(), kMaxReply + 200) << "the results object is bounded; image_url and braces are extra";
  int successes = 0;
  int left_out = 0;
  const nlohmann::json results = ParseJson(res->body)["results"];
  ASSERT_EQ(results.size(), tasks.size());
  for (const auto& [id, result] : results.items()) {
    if (result["status"] == "success") {
      ++successes;
      const auto& box = result["cropped_image_bbox"];
      ASSERT_TRUE(box.is_array()) << id;
      EXPECT_GT(std::max(box[2].get<int>() - box[0].get<int>(), box[3].get<int>() - box[1].get<int>()), 1024) << id;
      auto [w, h] = PngSize(Base64Decode(result["cropped_image_base64"].get<std::string>()).value_or(""));
      EXPECT_EQ(std::max(w, h), 1024) << id << ": crops are scaled down to analysis.max_crop_side";
    } else {
      ++left_out;
      EXPECT_EQ(result["status"], "error") << id;
      EXPECT_NE(result["error_message"].get<std::string>().find("analysis.max_response_bytes"), std::string::npos)
          << id << ": " << result["error_message"];
    }
  }
  EXPECT_GE(successes, 1);
  EXPECT_GE(left_out, 1);
  // Every task's result was computed and offered to the cache (about 1.5 MB each): it holds what fits.
  auto metrics = client->Get("/metrics");
  ASSERT_TRUE(metrics);
  const double cached = MetricValue(metrics->body, "iris_cache_bytes").value_or(-1);
  EXPECT_GT(cached, 0);
  EXPECT_LE(cached, kMaxCache);
  EXPECT_GE(MetricValue(metrics->body, "iris_cache_evictions_total").value_or(-1), 1);
}

}  // namespace
}  // namespace iris::testing
