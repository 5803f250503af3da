#include "app/catalog_websites.h"

#include <regex>

#include "app/s3_settings.h"
#include "store/filesystem_blob_store.h"
#include "store/s3_blob_store.h"

namespace iris::app {
namespace {

Result<std::shared_ptr<BlobStore>> OpenFilesystemStore(const Config& config, const WebsiteEntry& entry) {
  const std::filesystem::path root =
      std::filesystem::path(config.storage.data_dir) / "catalog-blobs" / entry.bucket / entry.prefix;
  IRIS_ASSIGN_OR_RETURN(auto store, FilesystemBlobStore::Open(root));
  return std::shared_ptr<BlobStore>(std::move(store));
}

Result<std::shared_ptr<S3BlobStore>> OpenS3Store(const StorageConfig& storage, const WebsiteEntry& entry) {
  IRIS_ASSIGN_OR_RETURN(auto store, S3BlobStore::Create(S3OptionsFor(storage, entry.bucket, entry.prefix)));
  return std::shared_ptr<S3BlobStore>(std::move(store));
}

}  // namespace

Result<WebsiteEntry> ParseWebsiteEntry(const std::string& entry) {
  static const std::regex kEntry("([a-z0-9_-]{1,64})=([A-Za-z0-9._-]{1,63})(/([A-Za-z0-9._/-]*))?");
  std::smatch m;
  if (!std::regex_match(entry, m, kEntry) || entry.find("..") != std::string::npos) {
    return InvalidArgument("catalog.websites entry '" + entry +
                           "' is not name=bucket[/prefix] (name: a-z 0-9 _ -; no '..')");
  }
  WebsiteEntry out{m[1], m[2], m[4]};
  if (!out.prefix.empty() && out.prefix.back() != '/') out.prefix += '/';
  if (out.prefix == "/") out.prefix.clear();
  return out;
}

Result<std::shared_ptr<CatalogWebsites>> CatalogWebsites::Open(const Config& config) {
  std::vector<CatalogWebsite> websites;
  for (const auto& text : config.catalog.websites) {
    IRIS_ASSIGN_OR_RETURN(WebsiteEntry entry, ParseWebsiteEntry(text));
    for (const auto& w : websites) {
      if (w.name == entry.name) return InvalidArgument("catalog.websites names '" + entry.name + "' twice");
    }
    CatalogWebsite site;
    site.name = entry.name;
    site.bucket = entry.bucket;
    site.prefix = entry.prefix;
    site.collection = "catalog-" + entry.name;
    site.location = config.storage.backend + ":" + entry.bucket + "/" + entry.prefix;
    if (config.storage.backend == "s3") {
      auto store = OpenS3Store(config.storage, entry);
      if (!store.ok()) return store.status().WithContext("website " + entry.name);
      std::shared_ptr<S3BlobStore> s3 = *store;
      const bool public_urls = config.storage.s3_public_urls != 0;
      site.file_url = [s3, public_urls](const std::string& key) {
        return public_urls ? s3->ObjectUrl(key) : s3->PresignedGetUrl(key);
      };
      site.url = [file_url = site.file_url](const std::string&, const std::string& key) { return file_url(key); };
      site.blobs = std::move(s3);
    } else {
      auto store = OpenFilesystemStore(config, entry);
      if (!store.ok()) return store.status().WithContext("website " + entry.name);
      site.blobs = *store;
      site.url = [name = entry.name](const std::string& image_id, const std::string&) {
        return "/catalog/" + name + "/images/" + image_id;
      };
      site.file_url = [name = entry.name](const std::string& key) {
        return "/catalog/" + name + "/files/" + key.substr(key.rfind('/') + 1);
      };
    }
    websites.push_back(std::move(site));
  }
  auto out = std::make_shared<CatalogWebsites>(std::move(websites), config.catalog.default_website);
  if (!out->Find(config.catalog.default_website).ok()) {
    return InvalidArgument("catalog.default_website '" + config.catalog.default_website +
                           "' is not one of catalog.websites");
  }
  return out;
}

Result<const CatalogWebsite*> CatalogWebsites::Find(const std::string& name) const {
  const std::string& wanted = name.empty() ? default_website_ : name;
  std::string names;
  for (const auto& site : websites_) {
    if (site.name == wanted) return &site;
    names += (names.empty() ? "" : ", ") + site.name;
  }
  return Unprocessable("unknown website '" + wanted.substr(0, 64) + "'; configured websites: " + names);
}

}  // namespace iris::app
