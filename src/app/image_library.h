// ImageLibrary: the stored originals behind POST /v1/images and GET /v1/images/{sha256}. The bytes
// go to the content-addressed blob store (store/blob_store.h, key from the SHA-256: <data_dir>/blobs, or
// S3 with storage.s3_images_bucket), and one record per blob (key, sha256, size, content type) to
// image_records.h (iris.db, or the shared PostgreSQL database). Storing the same bytes twice is a no-op.
//
//   Store  the image's bytes (it must decode: the caller checks, as the route does before storing);
//          returns the blob key. Stage "storage" goes to the Trace.
//   Open   the stored original by SHA-256 (64 lower-case hex characters): its content type and a
//          reader; kNotFound "no stored image with that sha256".
// Thread-safety: every method is thread-safe.
#pragma once

#include <memory>
#include <string>

#include "app/image_records.h"
#include "core/trace.h"
#include "ingest/image_ingestor.h"
#include "store/blob_store.h"
#include "store/database.h"

namespace iris::app {

struct StoredImage {
  std::string content_type;
  std::unique_ptr<BlobReader> reader;
};

class ImageLibrary {
 public:
  ImageLibrary(BlobStore& blobs, std::unique_ptr<ImageRecords> records) : blobs_(blobs), records_(std::move(records)) {}
  // Records in iris.db.
  ImageLibrary(BlobStore& blobs, Database& database)
      : ImageLibrary(blobs, std::make_unique<SqliteImageRecords>(database)) {}

  Result<std::string> Store(const IngestedImage& image, Trace& trace);
  Result<StoredImage> Open(const std::string& sha256, Trace& trace) const;

 private:
  BlobStore& blobs_;
  std::unique_ptr<ImageRecords> records_;
};

}  // namespace iris::app
