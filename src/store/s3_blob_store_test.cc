// S3BlobStore end to end against a real S3-compatible server (s3rver on loopback), both addressings.
#include "store/s3_blob_store.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "core/hash.h"
#include "support/s3rver_process.h"

namespace iris {
namespace {

class S3BlobStoreTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    server_ = testing::S3rverProcess::Start({"alyaimg"});
    ASSERT_TRUE(server_) << "s3rver is not installed (" << testing::S3rverScript() << "): run scripts/setup.sh";
  }

  std::unique_ptr<S3BlobStore> Store(bool path_style, std::string prefix = "catalog/") {
    S3Options options;
    options.endpoint = path_style ? server_->path_style_endpoint() : server_->virtual_host_endpoint();
    options.bucket = "alyaimg";
    options.prefix = std::move(prefix);
    options.credentials = {"S3RVER", "S3RVER"};
    options.path_style = path_style;
    auto store = S3BlobStore::Create(options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  std::unique_ptr<testing::S3rverProcess> server_;
};

// Fetches an http://host:port/... URL with a plain GET (what a browser given the URL does), connecting
// to loopback with the URL's Host (the resolver may not know *.localhost); returns status and body.
std::pair<int, std::string> HttpGet(const std::string& url) {
  const auto authority_start = url.find("://") + 3;
  const auto path_start = url.find('/', authority_start);
  const std::string authority = url.substr(authority_start, path_start - authority_start);
  httplib::Client client("127.0.0.1", std::stoi(authority.substr(authority.rfind(':') + 1)));
  auto res = client.Get(url.substr(path_start), {{"Host", authority}});
  if (!res) return {0, ""};
  return {res->status, res->body};
}

TEST_P(S3BlobStoreTest, PutGetExistsDeleteRoundTrip) {
  auto store = Store(GetParam());
  ASSERT_NE(store, nullptr);
  static constexpr char kBody[] = "\xff\xd8\xff\xe0 jpeg-ish body\0with nul";
  const std::string bytes(kBody, sizeof kBody - 1);  // the embedded NUL included (ASan found a length of 30)
  auto key = store->Put(bytes, "image/jpeg");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(*key, BlobKeyForContent(bytes));
  EXPECT_TRUE(std::filesystem::exists(server_->directory() / "alyaimg"));

  auto again = store->Put(bytes, "image/jpeg");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, *key);

  auto got = store->Get(*key);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, bytes);
  auto reader = store->OpenReader(*key);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->size(), bytes.size());
  std::string part(4, '\0');
  ASSERT_TRUE((*reader)->ReadAt(1, part).ok());
  EXPECT_EQ(part, bytes.substr(1, 4));

  EXPECT_TRUE(store->Exists(*key).value());
  ASSERT_TRUE(store->Delete(*key).ok());
  EXPECT_FALSE(store->Exists(*key).value());
  EXPECT_EQ(store->Get(*key).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store->Delete(*key).ok()) << "deleting a missing blob is OK, as in S3";
  std::string after(4, '\0');
  EXPECT_TRUE((*reader)->ReadAt(1, after).ok()) << "an open reader keeps its bytes";
}

TEST_P(S3BlobStoreTest, UrlsReachTheObjectAndKeepTheContentType) {
  auto store = Store(GetParam());
  ASSERT_NE(store, nullptr);
  auto key = store->Put("png bytes", "image/png");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  const std::string url = store->ObjectUrl(*key);
  EXPECT_NE(url.find(GetParam() ? "127.0.0.1:" : "alyaimg.s3.localhost:"), std::string::npos) << url;
  EXPECT_NE(url.find("/catalog/sha256/"), std::string::npos) << url;
  auto [status, body] = HttpGet(store->PresignedGetUrl(*key));
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body, "png bytes");
  EXPECT_NE(store->PresignedGetUrl(*key).find("X-Amz-Signature="), std::string::npos);
}

// A recording reverse proxy in front of s3rver (path-style): logs "METHOD query" of every request and can
// answer one request with a 500 instead of forwarding it.
class RecordingS3Proxy {
 public:
  explicit RecordingS3Proxy(int s3rver_port) : upstream_("127.0.0.1", s3rver_port) {
    upstream_.set_read_timeout(30, 0);
    auto handler = [this](const httplib::Request& req, httplib::Response& res) { Forward(req, res); };
    server_.Get(".*", handler).Put(".*", handler).Post(".*", handler).Delete(".*", handler);
    server_.set_payload_max_length(64 << 20);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~RecordingS3Proxy() {
    server_.stop();
    thread_.join();
  }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void FailRequestsContaining(std::string query) {
    std::lock_guard lock(mu_);
    fail_ = std::move(query);
  }
  std::vector<std::string> log() const {
    std::lock_guard lock(mu_);
    return log_;
  }

 private:
  void Forward(const httplib::Request& req, httplib::Response& res) {
    std::string query;
    for (const auto& [name, value] : req.params) query += (query.empty() ? "" : "&") + name + "=" + value;
    {
      std::lock_guard lock(mu_);
      log_.push_back(req.method + " " + query);
      if (!fail_.empty() && query.find(fail_) != std::string::npos) {
        res.status = 500;
        res.set_content("<Error><Code>InternalError</Code></Error>", "application/xml");
        return;
      }
    }
    const std::string target = req.target;
    httplib::Headers headers;
    for (const char* name : {"Content-Type", "Range"}) {
      if (req.has_header(name)) headers.emplace(name, req.get_header_value(name));
    }
    const std::string type = req.get_header_value("Content-Type");
    auto send = [&]() {
      if (req.method == "HEAD") return upstream_.Head(target, headers);
      if (req.method == "DELETE") return upstream_.Delete(target, headers);
      if (req.method == "PUT") return upstream_.Put(target, headers, req.body, type);
      if (req.method == "POST") return upstream_.Post(target, headers, req.body, type);
      return upstream_.Get(target, headers);
    };
    httplib::Result r = send();
    if (!r) {
      res.status = 502;
      return;
    }
    res.status = r->status;
    if (r->has_header("ETag")) res.set_header("ETag", r->get_header_value("ETag"));
    res.set_content(r->body, r->get_header_value("Content-Type"));
  }

  httplib::Client upstream_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mu_;
  std::vector<std::string> log_;
  std::string fail_;
};

std::string Incompressible(std::size_t n) {
  std::string bytes(n, '\0');
  std::uint64_t x = 88172645463325252ull;  // xorshift: every part different
  for (char& c : bytes) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    c = static_cast<char>(x);
  }
  return bytes;
}

TEST(S3MultipartTest, LargeObjectsGoUpInPartsAndComeBackWhole) {
  auto s3 = testing::S3rverProcess::Start({"alyaimg"});
  ASSERT_TRUE(s3) << "s3rver is not installed (" << testing::S3rverScript() << "): run scripts/setup.sh";
  RecordingS3Proxy proxy(s3->port());
  S3Options options;
  options.endpoint = proxy.endpoint();
  options.bucket = "alyaimg";
  options.prefix = "catalog/";
  options.credentials = {"S3RVER", "S3RVER"};
  options.path_style = true;
  options.multipart_threshold_bytes = kS3MinPartBytes;
  options.multipart_part_bytes = 1024;  // raised to S3's 5 MiB minimum
  auto store = S3BlobStore::Create(options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();

  const std::string bytes = Incompressible(2 * kS3MinPartBytes + 12345);
  auto key = (*store)->Put(bytes, "application/zip");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  auto got = (*store)->Get(*key);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == bytes) << "the three parts, in order";
  std::vector<std::string> methods;
  for (const auto& line : proxy.log())
    methods.push_back(line.substr(0, line.find('=') == std::string::npos ? line.size() : line.find('=') + 1));
  EXPECT_EQ(methods, (std::vector<std::string>{"HEAD ", "POST uploads=", "PUT partNumber=", "PUT partNumber=",
                                               "PUT partNumber=", "POST uploadId=", "GET "}));

  auto small = (*store)->Put("small", "text/plain");
  ASSERT_TRUE(small.ok()) << small.status().ToString();
  EXPECT_EQ(proxy.log()[proxy.log().size() - 1], "PUT ") << "at or under the threshold: one plain PUT";
}

TEST(S3MultipartTest, AFailedPartAbortsTheUploadAndLeavesNoObject) {
  auto s3 = testing::S3rverProcess::Start({"alyaimg"});
  ASSERT_TRUE(s3) << "s3rver is not installed (" << testing::S3rverScript() << "): run scripts/setup.sh";
  RecordingS3Proxy proxy(s3->port());
  proxy.FailRequestsContaining("partNumber=2");
  S3Options options;
  options.endpoint = proxy.endpoint();
  options.bucket = "alyaimg";
  options.credentials = {"S3RVER", "S3RVER"};
  options.path_style = true;
  options.multipart_threshold_bytes = kS3MinPartBytes;
  options.multipart_part_bytes = kS3MinPartBytes;
  auto store = S3BlobStore::Create(options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();

  const std::string bytes = Incompressible(2 * kS3MinPartBytes + 1);
  auto key = (*store)->Put(bytes, "application/zip");
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), StatusCode::kUnavailable) << key.status().ToString();
  const auto log = proxy.log();
  ASSERT_FALSE(log.empty());
  // The abort is sent (s3rver 3.7 does not implement AbortMultipartUpload and answers 405; S3 and MinIO do).
  EXPECT_EQ(log.back().substr(0, log.back().find('=') + 1), "DELETE uploadId=") << "the upload is aborted";
  EXPECT_FALSE((*store)->Exists(BlobKeyForContent(bytes)).value()) << "no half-written object";
}

TEST_P(S3BlobStoreTest, MalformedKeysAreRefusedBeforeAnyRequest) {
  auto store = Store(GetParam());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Get("../../etc/passwd").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->Delete("photo.jpg").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->Exists("sha256/zz").status().code(), StatusCode::kInvalidArgument);
}

TEST_P(S3BlobStoreTest, MissingBucketIsAnErrorNotAnEmptyAnswer) {
  S3Options options;
  options.endpoint = GetParam() ? server_->path_style_endpoint() : server_->virtual_host_endpoint();
  options.bucket = "nosuchbucket";
  options.credentials = {"S3RVER", "S3RVER"};
  options.path_style = GetParam();
  auto store = S3BlobStore::Create(options);
  ASSERT_TRUE(store.ok());
  auto key = (*store)->Put("x", "text/plain");
  EXPECT_FALSE(key.ok());
}

INSTANTIATE_TEST_SUITE_P(Addressing, S3BlobStoreTest, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "PathStyle" : "VirtualHost"; });

TEST(S3BlobStoreOptionsTest, BadOptionsAreRefused) {
  S3Options options;
  options.endpoint = "ftp://example.com";
  options.bucket = "alyaimg";
  EXPECT_EQ(S3BlobStore::Create(options).status().code(), StatusCode::kInvalidArgument);
  options.endpoint = "https://s3.amazonaws.com/some/path";
  EXPECT_EQ(S3BlobStore::Create(options).status().code(), StatusCode::kInvalidArgument);
  options.endpoint = "https://s3.amazonaws.com";
  options.bucket = "Not_A_Host";
  EXPECT_EQ(S3BlobStore::Create(options).status().code(), StatusCode::kInvalidArgument);
  options.path_style = true;
  EXPECT_TRUE(S3BlobStore::Create(options).ok());
  options.presign_expires_s = 0;
  EXPECT_EQ(S3BlobStore::Create(options).status().code(), StatusCode::kInvalidArgument);
}

TEST(S3BlobStoreOptionsTest, AnUnreachableEndpointIsUnavailableWithoutNamingItsAddress) {
  S3Options options;
  options.endpoint = "http://127.0.0.1:1";  // nothing listens on port 1
  options.bucket = "alyaimg";
  options.path_style = true;
  options.credentials = {"AKIAIOSFODNN7EXAMPLE", "secret"};
  auto store = S3BlobStore::Create(options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto exists = (*store)->Exists(BlobKeyForContent("any bytes"));
  ASSERT_FALSE(exists.ok());
  EXPECT_EQ(exists.status().code(), StatusCode::kUnavailable) << exists.status().ToString();
  EXPECT_NE(exists.status().message().find("S3 HEAD alyaimg"), std::string::npos) << exists.status().message();
  EXPECT_EQ(exists.status().message().find("127.0.0.1"), std::string::npos) << exists.status().message();
}

TEST(S3BlobStoreOptionsTest, VirtualHostAndPathStyleUrls) {
  S3Options options;
  options.endpoint = "https://s3.eu-west-1.amazonaws.com";
  options.region = "eu-west-1";
  options.bucket = "alyaimg";
  options.credentials = {"AKIAIOSFODNN7EXAMPLE", "secret"};
  auto vhost = S3BlobStore::Create(options);
  ASSERT_TRUE(vhost.ok());
  EXPECT_EQ((*vhost)->ObjectUrl("sha256/ab/cd/x"), "https://alyaimg.s3.eu-west-1.amazonaws.com/sha256/ab/cd/x");
  options.path_style = true;
  options.prefix = "p/";
  auto path = S3BlobStore::Create(options);
  ASSERT_TRUE(path.ok());
  EXPECT_EQ((*path)->ObjectUrl("sha256/ab/cd/x"), "https://s3.eu-west-1.amazonaws.com/alyaimg/p/sha256/ab/cd/x");
  const std::string presigned =
      (*path)->PresignedGetUrl("sha256/ab/cd/x", std::chrono::system_clock::from_time_t(1369353600));
  EXPECT_EQ(presigned.rfind("https://s3.eu-west-1.amazonaws.com/alyaimg/p/sha256/ab/cd/x?X-Amz-Algorithm=", 0), 0u);
  EXPECT_NE(presigned.find("X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Feu-west-1%2Fs3%2Faws4_request"),
            std::string::npos);
  EXPECT_NE(presigned.find("X-Amz-Expires=3600"), std::string::npos);
}

}  // namespace
}  // namespace iris
