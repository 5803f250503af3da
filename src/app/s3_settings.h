// S3OptionsFor: the S3BlobStore options (store/s3_blob_store.h) of one bucket and key prefix, with the
// connection settings of storage.s3_* (endpoint, region, credentials, addressing, presigning, timeouts,
// multipart sizes). Used for the catalog's buckets (catalog_websites.h) and the /v1/images bucket
// (storage.s3_images_bucket). Pure.
#pragma once

#include <string>

#include "core/config.h"
#include "store/s3_blob_store.h"

namespace iris::app {

S3Options S3OptionsFor(const StorageConfig& storage, std::string bucket, std::string prefix);

}  // namespace iris::app
