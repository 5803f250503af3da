// LocateCatalogBlob: the URLs Iris hands out (filesystem paths, S3 object URLs with or without a
// presigned query) lead back to their website and key; anything else is refused naming the field.
#include "app/catalog_blob_locator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/blob_store.h"

namespace iris::app {
namespace {

using ::testing::HasSubstr;

CatalogWebsites Websites() {
  std::vector<CatalogWebsite> sites(3);
  sites[0].name = "alya";  // the filesystem backend's URLs
  sites[0].url = [](const std::string& id, const std::string&) { return "/catalog/alya/images/" + id; };
  sites[0].file_url = [](const std::string& key) { return "/catalog/alya/files/" + key.substr(key.rfind('/') + 1); };
  for (int i : {1, 2}) {  // two websites sharing one S3 location
    sites[i].name = i == 1 ? "blysk" : "twin";
    sites[i].file_url = [](const std::string& key) {
      return "https://blyskimg.s3.example.com/shop/" + key + "?X-Amz-Signature=abc";
    };
    sites[i].url = [f = sites[i].file_url](const std::string&, const std::string& key) { return f(key); };
  }
  return CatalogWebsites(std::move(sites), "alya");
}

const std::string kSha = std::string(62, 'a') + "0f";

TEST(CatalogBlobLocatorTest, FindsTheWebsiteAndKeyOfEveryUrlFormIrisHandsOut) {
  const CatalogWebsites websites = Websites();
  for (const std::string& url : {"/catalog/alya/images/" + kSha, "/catalog/alya/files/" + kSha,
                                 "http://iris.local:8000/catalog/alya/files/" + kSha + "?x=1"}) {
    auto ref = LocateCatalogBlob(websites, url, "", "s3_urls");
    ASSERT_TRUE(ref.ok()) << url << ": " << ref.status().ToString();
    EXPECT_EQ(ref->site->name, "alya");
    EXPECT_EQ(ref->key, BlobKeyForSha256(kSha));
  }
  const std::string s3 = "https://blyskimg.s3.example.com/shop/" + BlobKeyForSha256(kSha);
  EXPECT_EQ(LocateCatalogBlob(websites, s3, "", "s3_urls").value().site->name, "blysk");
  EXPECT_EQ(LocateCatalogBlob(websites, s3 + "?X-Amz-Signature=zzz", "twin", "s3_urls").value().site->name, "twin");
}

TEST(CatalogBlobLocatorTest, RefusesUrlsOutsideTheConfiguredLocations) {
  const CatalogWebsites websites = Websites();
  for (const std::string& url : {std::string(), "https://evil.example.com/" + BlobKeyForSha256(kSha),
                                 "https://blyskimg.s3.example.com/other/" + BlobKeyForSha256(kSha),
                                 "/catalog/blysk/files/" + kSha, "/catalog/alya/files/" + kSha.substr(1),
                                 "/catalog/alya/files/" + std::string(64, 'G'), std::string(5000, 'a')}) {
    auto ref = LocateCatalogBlob(websites, url, "", "s3_urls");
    EXPECT_EQ(ref.status().code(), StatusCode::kUnprocessable) << url;
    EXPECT_THAT(ref.status().message(), HasSubstr("s3_urls")) << url;
  }
  auto other = LocateCatalogBlob(websites, "/catalog/alya/files/" + kSha, "blysk", "zip_url");
  EXPECT_THAT(other.status().message(), HasSubstr("belongs to website 'alya'"));
  auto unknown = LocateCatalogBlob(websites, "/catalog/alya/files/" + kSha, "nope", "zip_url");
  EXPECT_THAT(unknown.status().message(), HasSubstr("configured websites"));
}

}  // namespace
}  // namespace iris::app
