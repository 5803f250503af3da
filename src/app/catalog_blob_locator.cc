#include "app/catalog_blob_locator.h"

#include "core/hash.h"
#include "store/blob_store.h"

namespace iris::app {
namespace {

constexpr std::size_t kMaxUrlBytes = 4096;

std::string WithoutQuery(const std::string& url) { return url.substr(0, url.find_first_of("?#")); }

// The path of an absolute URL ("/a/b" of "http://host:1/a/b"); the URL itself when it is relative.
std::string PathOf(const std::string& url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const std::size_t path = url.find('/', scheme + 3);
  return path == std::string::npos ? "/" : url.substr(path);
}

bool Matches(const std::string& candidate_url, const std::string& url) {
  const std::string candidate = WithoutQuery(candidate_url);
  if (candidate.starts_with("/")) return candidate == PathOf(url);
  return candidate == url;
}

}  // namespace

Result<CatalogBlobRef> LocateCatalogBlob(const CatalogWebsites& websites, const std::string& url,
                                         const std::string& website, const std::string& field) {
  if (url.empty()) return Unprocessable("'" + field + "' is required: the URL of a stored catalog file");
  if (url.size() > kMaxUrlBytes) return Unprocessable("'" + field + "' is longer than 4096 bytes");
  const std::string bare = WithoutQuery(url);
  const std::string sha = bare.size() >= 64 ? bare.substr(bare.size() - 64) : "";
  std::string names;
  for (const auto& site : websites.all()) names += (names.empty() ? "" : ", ") + site.name;
  const Status outside = Unprocessable("'" + field +
                                       "' is not the URL of a file stored by this server for a "
                                       "configured website (" +
                                       names + "): give the URL Iris replied with");
  if (!IsSha256Hex(sha)) return outside;
  const std::string key = BlobKeyForSha256(sha);
  const CatalogWebsite* found = nullptr;  // two websites may share a location (and so a URL)
  for (const auto& site : websites.all()) {
    if (!Matches(site.url(sha, key), bare) && !Matches(site.file_url(key), bare)) continue;
    if (website.empty() || website == site.name) return CatalogBlobRef{&site, key, sha};
    if (!found) found = &site;
  }
  if (found) {
    IRIS_RETURN_IF_ERROR(websites.Find(website).status());  // an unknown website: that error first
    return Unprocessable("'" + field + "' belongs to website '" + found->name + "', not '" + website + "'");
  }
  return outside;
}

}  // namespace iris::app
