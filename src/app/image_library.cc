#include "app/image_library.h"

#include "image/image_format.h"

namespace iris::app {

Result<std::string> ImageLibrary::Store(const IngestedImage& image, Trace& trace) {
  ScopedStage stage(trace, "storage");
  IRIS_ASSIGN_OR_RETURN(std::string key, blobs_.Put(image.bytes(), ImageFormatMimeType(image.info().format)));
  IRIS_RETURN_IF_ERROR(records_->Record({key, image.hashes().sha256, static_cast<std::int64_t>(image.bytes().size()),
                                         std::string(ImageFormatMimeType(image.info().format))}));
  return key;
}

Result<StoredImage> ImageLibrary::Open(const std::string& sha256, Trace& trace) const {
  ScopedStage stage(trace, "storage");
  const std::string key = BlobKeyForSha256(sha256);
  StoredImage stored;
  IRIS_ASSIGN_OR_RETURN(stored.content_type, records_->ContentType(key));
  IRIS_ASSIGN_OR_RETURN(stored.reader, blobs_.OpenReader(key));
  return stored;
}

}  // namespace iris::app
