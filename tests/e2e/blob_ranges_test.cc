// End-to-end: GET /v1/images/{sha256} with Range headers on the real `iris serve`: one range is
// answered 206 with exactly its bytes, an unsatisfiable one 416, and a hostile list of thousands of
// ranges gets the image once (200), not a multi-gigabyte multipart body built in memory.
#include <gtest/gtest.h>
#include <httplib.h>

#include <string>

#include "core/hash.h"
#include "e2e_http.h"
#include "image/test_images.h"

namespace iris::testing {
namespace {

// A PNG of noise, about a megabyte (noise does not compress).
std::string MegabytePng() {
  if (!StartVips().ok()) throw std::runtime_error("libvips did not start");
  vips::VImage noise =
      vips::VImage::gaussnoise(600, 600, vips::VImage::option()->set("mean", 128.0)->set("sigma", 80.0));
  vips::VImage rgb = noise.bandjoin(noise.rot180()).bandjoin(noise.flip(VIPS_DIRECTION_HORIZONTAL));
  return EncodeWithVips(rgb.cast(VIPS_FORMAT_UCHAR), ".png[compression=0]");
}

// The ETag the server sends: the quoted sha256 (built with append: GCC 12 warns falsely on
// "\"" + temporary).
std::string ETagOf(const std::string& bytes) { return std::string("\"").append(Sha256Hex(bytes)).append("\""); }

// Equality of two large byte strings without printing megabytes when they differ.
::testing::AssertionResult SameBytes(const std::string& got, const std::string& want) {
  if (got == want) return ::testing::AssertionSuccess();
  std::size_t at = 0;
  while (at < got.size() && at < want.size() && got[at] == want[at]) ++at;
  return ::testing::AssertionFailure() << "got " << got.size() << " bytes, want " << want.size()
                                       << "; first difference at byte " << at;
}

struct RawReply {
  int status = 0;
  std::string head;  // status line and headers
  std::size_t content_length = 0;
  std::size_t body_bytes = 0;  // body bytes received (reading stops past `cap`)
};

// Sends `request` on a fresh connection and reads the reply, but never more than `cap` bytes of
// body: a server that answers with gigabytes must not take the test down with it.
RawReply RawGet(int port, const std::string& request, std::size_t cap) {
  RawReply reply;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  timeval tv{60, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::send(fd, request.data(), request.size(), 0) != static_cast<ssize_t>(request.size())) {
    ::close(fd);
    return reply;
  }
  std::string data;
  char buffer[64 * 1024];
  std::size_t head_end = std::string::npos;
  for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) {
    if (head_end == std::string::npos) {
      data.append(buffer, static_cast<std::size_t>(n));
      head_end = data.find("\r\n\r\n");
      if (head_end != std::string::npos) reply.body_bytes = data.size() - head_end - 4;
    } else {
      reply.body_bytes += static_cast<std::size_t>(n);
    }
    if (reply.body_bytes > cap) break;
  }
  ::close(fd);
  if (head_end == std::string::npos) return reply;
  reply.head = data.substr(0, head_end);
  reply.status = std::stoi(reply.head.substr(9, 3));
  const std::size_t at = reply.head.find("Content-Length: ");
  if (at != std::string::npos) reply.content_length = std::stoull(reply.head.substr(at + 16));
  return reply;
}

class BlobRangesE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = ServerProcess::Start();
    client_ = server_->Client();
    image_ = MegabytePng();
    ASSERT_GT(image_.size(), 1'000'000u);
    httplib::MultipartFormDataItems items = {{"file", image_, "noise.png", "image/png"}};
    auto res = client_->Post("/v1/images", items);
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    path_ = "/v1/images/" + Sha256Hex(image_);
  }

  httplib::Result GetWith(const httplib::Headers& headers) { return client_->Get(path_.c_str(), headers); }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<httplib::Client> client_;
  std::string image_;
  std::string path_;
};

TEST_F(BlobRangesE2eTest, WithoutRangeTheWholeImageComesBack) {
  auto res = GetWith({});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_TRUE(SameBytes(res->body, image_));
  EXPECT_EQ(res->get_header_value("Content-Length"), std::to_string(image_.size()));
  EXPECT_EQ(res->get_header_value("Content-Type"), "image/png");
  EXPECT_EQ(res->get_header_value("Accept-Ranges"), "bytes");
  EXPECT_EQ(res->get_header_value("ETag"), ETagOf(image_));
  EXPECT_FALSE(res->has_header("Content-Range"));
}

TEST_F(BlobRangesE2eTest, OneRangeIsPartialContentWithExactlyItsBytes) {
  const std::string total = std::to_string(image_.size());
  auto middle = GetWith({{"Range", "bytes=100-199"}});
  ASSERT_TRUE(middle);
  EXPECT_EQ(middle->status, 206);
  EXPECT_EQ(middle->body, image_.substr(100, 100));
  EXPECT_EQ(middle->get_header_value("Content-Range"), "bytes 100-199/" + total);
  EXPECT_EQ(middle->get_header_value("Content-Length"), "100");
  EXPECT_EQ(middle->get_header_value("Content-Type"), "image/png");

  auto tail = GetWith({{"Range", "bytes=-10"}});
  ASSERT_TRUE(tail);
  EXPECT_EQ(tail->status, 206);
  EXPECT_EQ(tail->body, image_.substr(image_.size() - 10));

  // An open range larger than one stream chunk: every byte, in order.
  auto rest = GetWith({{"Range", "bytes=1000-"}});
  ASSERT_TRUE(rest);
  EXPECT_EQ(rest->status, 206);
  EXPECT_TRUE(SameBytes(rest->body, image_.substr(1000)));
  EXPECT_EQ(rest->get_header_value("Content-Range"), "bytes 1000-" + std::to_string(image_.size() - 1) + "/" + total);
}

TEST_F(BlobRangesE2eTest, ARangePastTheEndIs416WithTheLength) {
  auto res = GetWith({{"Range", "bytes=5000000-"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 416);
  EXPECT_EQ(res->get_header_value("Content-Range"), "bytes */" + std::to_string(image_.size()));
  auto body = ParseJson(res->body);
  ASSERT_TRUE(body.is_object() && body.contains("detail")) << res->body;
  EXPECT_NE(body["detail"].get<std::string>().find("range not satisfiable"), std::string::npos) << res->body;
}

TEST_F(BlobRangesE2eTest, ThousandsOfRangesGetTheImageOnceNotAMultipartBomb) {
  std::string ranges = "bytes=0-";
  for (int i = 1; i < 2000; ++i) ranges += ",0-";
  ASSERT_LT(ranges.size(), 8000u);  // fits httplib's header limit, as in the report
  const std::string request =
      "GET " + path_ + " HTTP/1.1\r\nHost: x\r\nRange: " + ranges + "\r\nConnection: close\r\n\r\n";
  RawReply reply = RawGet(server_->port(), request, 4 * image_.size());
  EXPECT_EQ(reply.status, 200) << reply.head;
  EXPECT_EQ(reply.content_length, image_.size()) << reply.head;
  EXPECT_EQ(reply.body_bytes, image_.size());
  EXPECT_EQ(reply.head.find("multipart/byteranges"), std::string::npos) << reply.head;

  // Two ranges are ignored the same way (RFC 9110 allows it): the whole image, once.
  auto two = GetWith({{"Range", "bytes=0-9,20-29"}});
  ASSERT_TRUE(two);
  EXPECT_EQ(two->status, 200);
  EXPECT_TRUE(SameBytes(two->body, image_));
}

TEST_F(BlobRangesE2eTest, IfRangeMustMatchTheETag) {
  const std::string etag = ETagOf(image_);
  auto matching = GetWith({{"Range", "bytes=0-9"}, {"If-Range", etag}});
  ASSERT_TRUE(matching);
  EXPECT_EQ(matching->status, 206);
  EXPECT_EQ(matching->body, image_.substr(0, 10));
  auto stale = GetWith({{"Range", "bytes=0-9"}, {"If-Range", "\"something-else\""}});
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->status, 200);
  EXPECT_EQ(stale->body.size(), image_.size());
}

TEST_F(BlobRangesE2eTest, HeadGivesTheHeadersOnly) {
  auto whole = client_->Head(path_.c_str());
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->status, 200);
  EXPECT_EQ(whole->get_header_value("Content-Length"), std::to_string(image_.size()));
  EXPECT_TRUE(whole->body.empty());
  auto part = client_->Head(path_.c_str(), {{"Range", "bytes=0-99"}});
  ASSERT_TRUE(part);
  EXPECT_EQ(part->status, 206);
  EXPECT_EQ(part->get_header_value("Content-Length"), "100");
  EXPECT_EQ(part->get_header_value("Content-Range"), "bytes 0-99/" + std::to_string(image_.size()));
}

}  // namespace
}  // namespace iris::testing
