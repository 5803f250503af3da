#include "app/s3_settings.h"

namespace iris::app {

S3Options S3OptionsFor(const StorageConfig& storage, std::string bucket, std::string prefix) {
  S3Options options;
  options.endpoint =
      storage.s3_endpoint.empty() ? "https://s3." + storage.s3_region + ".amazonaws.com" : storage.s3_endpoint;
  options.region = storage.s3_region;
  options.bucket = std::move(bucket);
  options.prefix = std::move(prefix);
  options.credentials = {storage.s3_access_key_id, storage.s3_secret_access_key};
  options.path_style = storage.s3_path_style != 0;
  options.presign_expires_s = storage.s3_presign_expires_s;
  options.timeout_s = storage.s3_timeout_s;
  options.multipart_threshold_bytes = static_cast<std::size_t>(storage.s3_multipart_threshold_mb) << 20;
  options.multipart_part_bytes = static_cast<std::size_t>(storage.s3_multipart_part_mb) << 20;
  return options;
}

}  // namespace iris::app
