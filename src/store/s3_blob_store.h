// S3BlobStore: a BlobStore in one bucket (and key prefix) of an S3-compatible service (AWS S3, MinIO,
// s3rver, ...). The object key is `prefix + blob key` ("catalog/sha256/ab/cd/<64 hex>"), so keys stay
// content-addressed and never carry a client's file name.
//
// Requests go through libcurl and are signed with CURLOPT_AWS_SIGV4 ("aws:amz:<region>:s3"); every
// request carries x-amz-content-sha256 (the SHA-256 of its body). A Put of more than multipart_threshold_bytes
// is a multipart upload (CreateMultipartUpload, UploadPart of multipart_part_bytes each — at least S3's
// 5 MiB minimum — and CompleteMultipartUpload), aborted when a part or the completion fails, so no
// half-written object and no orphaned parts are left behind. Addressing is virtual-host
// (scheme://<bucket>.<endpoint host>/<key>, AWS's default) or path-style (scheme://<endpoint>/<bucket>/<key>,
// for MinIO and most self-hosted services). Put stores the content type as the object's Content-Type
// and skips the upload when the object already exists (HEAD first).
//
// URLs: ObjectUrl is the plain object URL (for public buckets); PresignedGetUrl a SigV4 query-signed
// GET URL valid for presign_expires_s (for private buckets; the seed's ZIP download failed on one).
//
// OpenReader downloads the object once and reads from memory (blobs here are images and archives of
// bounded size), so a reader keeps its bytes after the object is deleted, as the contract asks.
//
// Errors: a key of the wrong form -> kInvalidArgument; HTTP 404 -> kNotFound; 403 -> kFailedPrecondition
// (credentials or bucket policy); connection failures, timeouts and 5xx -> kUnavailable; other replies
// -> kInternal naming the S3 error code. Thread-safety: every method may be called from any number of
// threads (one curl handle per request).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "store/aws_sigv4.h"
#include "store/blob_store.h"

namespace iris {

struct S3Options {
  std::string endpoint;  // scheme://host[:port], e.g. "https://s3.eu-west-1.amazonaws.com", "http://127.0.0.1:9000"
  std::string region = "us-east-1";
  std::string bucket;
  std::string prefix;  // prepended to every key, e.g. "catalog/"; empty for none
  AwsCredentials credentials;
  bool path_style = false;
  std::int64_t presign_expires_s = 3600;
  double timeout_s = 60;                                     // per HTTP request (one part of a multipart upload)
  std::size_t multipart_threshold_bytes = 16 * 1024 * 1024;  // larger Puts are multipart uploads
  std::size_t multipart_part_bytes = 8 * 1024 * 1024;        // raised to kS3MinPartBytes when smaller
};

inline constexpr std::size_t kS3MinPartBytes = 5 * 1024 * 1024;  // S3's minimum for every part but the last

class S3BlobStore : public BlobStore {
 public:
  // kInvalidArgument for an endpoint that is not http(s)://host[:port], an empty bucket, a bucket name
  // that cannot be a host label with virtual-host addressing, or presign_expires_s outside 1..604800.
  static Result<std::unique_ptr<S3BlobStore>> Create(S3Options options);

  Result<std::string> Put(std::string_view bytes, std::string_view content_type) override;
  Result<std::string> Get(std::string_view key) override;
  Result<std::unique_ptr<BlobReader>> OpenReader(std::string_view key) override;
  Result<bool> Exists(std::string_view key) override;
  Status Delete(std::string_view key) override;

  // The object's URL (no signature); the key is not checked.
  std::string ObjectUrl(std::string_view key) const;
  // A presigned GET URL valid for presign_expires_s from `now`.
  std::string PresignedGetUrl(std::string_view key,
                              std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) const;

  const S3Options& options() const { return options_; }

 private:
  explicit S3BlobStore(S3Options options);
  struct Reply;
  // `query` ("" for none) must already be in SigV4's canonical form (sorted, encoded, "name=value").
  Result<Reply> Send(const std::string& method, std::string_view key, std::string_view query, std::string_view body,
                     std::string_view content_type) const;
  Status PutMultipart(const std::string& key, std::string_view bytes, std::string_view content_type);
  std::string BaseUrl() const;                         // scheme://host[:port] the client talks to
  std::string ObjectPath(std::string_view key) const;  // "/bucket/prefix+key" or "/prefix+key"

  S3Options options_;
  std::string scheme_;
  std::string authority_;  // host[:port] of the endpoint
};

}  // namespace iris
