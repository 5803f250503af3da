// LocateCatalogBlob: the website and blob key behind a URL Iris handed out for the jewelry catalog (an
// image's s3_url / path, a generated shot's image_url, a zip_url), so later requests that name a stored
// file by its URL (POST /generate-images `s3_urls`, POST /regenerate-image `zip_url`) read it from the
// configured store with Iris's own credentials (the seed fetched such URLs anonymously and failed on
// private buckets) and can never reach anything else.
//
// A URL matches a website when it equals, ignoring the query and fragment (presigned signatures differ),
// that website's URL for the blob it names: CatalogWebsite::url or ::file_url of the key
// "sha256/<h[0:2]>/<h[2:4]>/<h>", with h the 64 lower-case hex characters at its end (the filesystem
// backend's server-relative URLs match the path of an absolute URL too). `website` (optional) must then
// be the website found. Only the URL's form is checked here; whether the blob exists is the caller's
// question.
//
// Errors: Unprocessable naming the field when the URL is empty, too long (over 4096 bytes), names no
// blob, or is not a URL of any configured website's location (the configured websites are listed), or
// names another website than `website`. Pure; thread-safe.
#pragma once

#include <string>

#include "app/catalog_websites.h"
#include "core/result.h"

namespace iris::app {

struct CatalogBlobRef {
  const CatalogWebsite* site = nullptr;
  std::string key;     // "sha256/ab/cd/<64 hex>"
  std::string sha256;  // the 64 hex characters
};

Result<CatalogBlobRef> LocateCatalogBlob(const CatalogWebsites& websites, const std::string& url,
                                         const std::string& website, const std::string& field);

}  // namespace iris::app
