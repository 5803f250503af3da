// ImageLibrary: the stored originals behind POST /v1/images and GET /v1/images/{sha256}. The bytes
// go to the content-addressed blob store (store/blob_store.h, key from the SHA-256), and one row per
// blob to the `blobs` table of iris.db (key, sha256, size, content type, created_at). Storing the
// same bytes twice is a no-op.
//
//   Store  the image's bytes (it must decode: the caller checks, as the route does before storing);
//          returns the blob key. Stage "storage" goes to the Trace.
//   Open   the stored original by SHA-256 (64 lower-case hex characters): its content type and a
//          reader; kNotFound "no stored image with that sha256".
// Thread-safety: every method is thread-safe.
#pragma once

#include <memory>
#include <string>

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
  ImageLibrary(BlobStore& blobs, Database& database) : blobs_(blobs), database_(database) {}

  Result<std::string> Store(const IngestedImage& image, Trace& trace);
  Result<StoredImage> Open(const std::string& sha256, Trace& trace) const;

 private:
  BlobStore& blobs_;
  Database& database_;
};

}  // namespace iris::app
