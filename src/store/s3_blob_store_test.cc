// S3BlobStore end to end against a real S3-compatible server (s3rver on loopback), both addressings.
#include "store/s3_blob_store.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>

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
  const std::string bytes("\xff\xd8\xff\xe0 jpeg-ish body\0with nul", 30);
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
