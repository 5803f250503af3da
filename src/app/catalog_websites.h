// CatalogWebsites: the seed's `website` form field (seed 003: "alya" -> bucket alyaimg, "blysk" ->
// blyskimg) resolved to where a website's images are stored and which collection indexes them.
// Configured by catalog.websites ("name=bucket[/prefix]") and the storage.* settings: with the
// filesystem backend a bucket is a folder under <data_dir>/catalog-blobs and an image's URL is the
// server's own GET /catalog/{website}/images/{image_id} (other blobs: .../files/{sha256}); with the s3
// backend a bucket is an S3 bucket (store/s3_blob_store.h) and the URL is the object's URL, presigned
// unless storage.s3_public_urls.
//
// Errors: Open: kInvalidArgument for a malformed entry, a duplicate name, or a default_website that is
// not configured; a store that cannot be opened names the website. Find: kUnprocessable naming every
// configured website. Thread-safety: immutable after Open; the stores are thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/result.h"
#include "store/blob_store.h"

namespace iris::app {

struct CatalogWebsite {
  std::string name;        // "alya"
  std::string bucket;      // "alyaimg"
  std::string prefix;      // "" or ending in '/'
  std::string collection;  // "catalog-alya"
  // Two websites with the same location hold one copy of equal bytes (same key): a blob is deleted only
  // when no website of that location still indexes it.
  std::string location;
  std::shared_ptr<BlobStore> blobs;
  // The URL a client fetches the stored image with (image_id = the item id, key = its blob key).
  std::function<std::string(const std::string& image_id, const std::string& key)> url;
  // The URL of any other blob of the website's location (generated product shots and their ZIPs): the
  // object's URL with the s3 backend (presigned unless storage.s3_public_urls), the server's own
  // GET /catalog/{website}/files/{sha256} with the filesystem backend.
  std::function<std::string(const std::string& key)> file_url;
};

// One "name=bucket[/prefix]" entry.
struct WebsiteEntry {
  std::string name, bucket, prefix;
};
Result<WebsiteEntry> ParseWebsiteEntry(const std::string& entry);

class CatalogWebsites {
 public:
  static Result<std::shared_ptr<CatalogWebsites>> Open(const Config& config);
  // For tests and embedders: websites already made.
  CatalogWebsites(std::vector<CatalogWebsite> websites, std::string default_website)
      : websites_(std::move(websites)), default_website_(std::move(default_website)) {}

  // `name` empty: the default website.
  Result<const CatalogWebsite*> Find(const std::string& name) const;
  const std::vector<CatalogWebsite>& all() const { return websites_; }
  const std::string& default_website() const { return default_website_; }

 private:
  std::vector<CatalogWebsite> websites_;
  std::string default_website_;
};

}  // namespace iris::app
