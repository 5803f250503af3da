#include "ingest/image_ingestor.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "support/shared_data.h"

namespace iris {
namespace {

using iris::testing::ReadFileBytes;
using iris::testing::RequireShared;

std::string Photo() { return ReadFileBytes(RequireShared("data/debian-photos/images/aloeL.jpg")); }

TEST(ImageIngestorTest, UploadKeepsBytesHashesAndHeaderInfo) {
  ImageIngestor ingestor(IngestConfig{});
  std::string bytes = Photo();
  auto image = ingestor.FromUpload(bytes, "aloe\n.jpg");
  ASSERT_TRUE(image.ok()) << image.status().ToString();
  EXPECT_EQ((*image)->bytes(), bytes);
  EXPECT_EQ((*image)->hashes().sha256, Sha256Hex(bytes));
  EXPECT_EQ((*image)->hashes().md5.size(), 32u);
  EXPECT_EQ((*image)->source(), "uploaded:aloe_.jpg");
  EXPECT_EQ((*image)->info().width, 1024);
  EXPECT_EQ((*image)->info().height, 887);
}

TEST(ImageIngestorTest, DecodesOncePerSizeAndShrinksOnLoad) {
  ImageIngestor ingestor(IngestConfig{});
  auto image = ingestor.FromUpload(Photo(), "a.jpg");
  ASSERT_TRUE(image.ok());
  auto full = (*image)->Full();
  ASSERT_TRUE(full.ok());
  EXPECT_EQ((*full)->width, 1024);
  EXPECT_EQ((*image)->Full()->get(), full->get()) << "second request must reuse the decoded image";
  auto small = (*image)->AtLeast(224);
  ASSERT_TRUE(small.ok());
  EXPECT_GE(std::min((*small)->width, (*small)->height), 224);
  EXPECT_LT((*small)->width, 1024);
  // Asking for more than the image has gives the full image, not an upscale.
  EXPECT_EQ((*image)->AtLeast(5000)->get(), full->get());
}

TEST(ImageIngestorTest, RejectsBadUploadsBeforeDecoding) {
  IngestConfig config;
  config.max_image_bytes = 100'000;
  ImageIngestor ingestor(config);
  EXPECT_EQ(ingestor.FromUpload("", "e.jpg").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ingestor.FromUpload("hello, I am text", "t.jpg").status().code(), StatusCode::kUnsupportedMedia);
  EXPECT_EQ(ingestor.FromUpload(Photo(), "big.jpg").status().code(), StatusCode::kTooLarge);
}

TEST(ImageIngestorTest, RefusesImagesOverTheAspectRatioLimitBeforeDecoding) {
  IngestConfig config;
  config.max_aspect_ratio = 1.1;  // aloeL.jpg is 1024x887, 1.15:1
  const DecodeLimits limits = DecodeLimitsFromConfig(config);
  EXPECT_EQ(limits.max_bytes, config.max_image_bytes);
  EXPECT_EQ(limits.max_pixels, config.max_image_pixels);
  EXPECT_EQ(limits.max_aspect_ratio, 1.1);
  auto refused = ImageIngestor(config).FromUpload(Photo(), "wide.jpg");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kUnprocessable);
  EXPECT_NE(refused.status().message().find("limit of 1.1:1"), std::string::npos) << refused.status().message();
  config.max_aspect_ratio = 1.2;
  EXPECT_TRUE(ImageIngestor(config).FromUpload(Photo(), "wide.jpg").ok());
}

class LocalImageServer {
 public:
  LocalImageServer() {
    server_.Get("/a.jpg",
                [](const httplib::Request&, httplib::Response& res) { res.set_content(Photo(), "image/jpeg"); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~LocalImageServer() {
    server_.stop();
    thread_.join();
  }
  std::string Url(const std::string& host) const { return "http://" + host + ":" + std::to_string(port_) + "/a.jpg"; }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

TEST(ImageIngestorTest, FetchesAllowedUrlsAndRefusesLoopbackByDefault) {
  LocalImageServer server;
  ImageIngestor strict(IngestConfig{});
  auto refused = strict.FromUrl(server.Url("127.0.0.1"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("image_url"), std::string::npos) << refused.status().message();

  IngestConfig allowing;
  allowing.fetch_allow_hosts = {"127.0.0.1"};
  ImageIngestor ingestor(allowing);
  auto image = ingestor.FromUrl(server.Url("127.0.0.1"));
  ASSERT_TRUE(image.ok()) << image.status().ToString();
  EXPECT_EQ((*image)->source(), server.Url("127.0.0.1"));
  EXPECT_EQ((*image)->hashes().sha256, Sha256Hex(Photo()));
}

}  // namespace
}  // namespace iris
