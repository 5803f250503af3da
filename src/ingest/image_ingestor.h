// ImageIngestor: the one way every route turns user input into an image: an uploaded file or a URL
// becomes an IngestedImage (original bytes, content hashes computed once, header info). Size limits,
// format sniffing (never the client's file name or content type), the pixel limit and the
// aspect-ratio limit are checked BEFORE any pixel is decoded; decoding happens on demand and is
// memoised per requested size.
//
// Errors (Status codes, mapped to HTTP by api/): empty upload -> InvalidArgument; over the byte or
// pixel limit -> TooLarge; over the aspect-ratio limit (ingest.max_aspect_ratio) -> Unprocessable;
// not a supported image -> UnsupportedMedia; corrupt/truncated -> InvalidArgument; URL
// refused/unreachable/timed out -> InvalidArgument (URL over the byte limit -> TooLarge).
//
// Thread-safety: ImageIngestor is immutable after construction and safe to share. An IngestedImage may
// be read from several threads; its memoised decodes are guarded internally.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/hash.h"
#include "core/result.h"
#include "image/image_decoder.h"
#include "image/rgb_image.h"
#include "net/url_fetcher.h"

namespace iris {

// The decode limits `config` asks for (bytes, pixels, aspect ratio): the one place that maps
// IngestConfig to DecodeLimits, for the ingestor and for tools that decode files themselves.
DecodeLimits DecodeLimitsFromConfig(const IngestConfig& config);

class IngestedImage {
 public:
  IngestedImage(std::string bytes, ContentHashes hashes, ImageInfo info, std::string source, DecodeLimits limits);

  const std::string& bytes() const { return bytes_; }
  const ContentHashes& hashes() const { return hashes_; }
  const ImageInfo& info() const { return info_; }
  // "uploaded:<file name>" for uploads (as the seed services report it), the URL for fetched images.
  const std::string& source() const { return source_; }

  // The whole image at full resolution, decoded once.
  Result<std::shared_ptr<const RgbImage>> Full() const;
  // The image decoded at reduced size so that its shorter side is still >= min_side (libvips
  // shrink-on-load); the full image when it is already small. Memoised per min_side.
  Result<std::shared_ptr<const RgbImage>> AtLeast(int min_side) const;
  // Decodes the whole file (at reduced size where the format allows, which still reads every
  // byte) so a truncated or corrupt file is refused before it is stored. Memoised like AtLeast.
  Status CheckDecodes() const;

 private:
  std::string bytes_;
  ContentHashes hashes_;
  ImageInfo info_;
  std::string source_;
  DecodeLimits limits_;
  mutable std::mutex mu_;
  mutable std::map<int, std::shared_ptr<const RgbImage>> decoded_;  // key: min_side (0 = full)
};

class ImageIngestor {
 public:
  explicit ImageIngestor(const IngestConfig& config);
  // The same limits, with URLs fetched under `fetch` instead of the options config asks for.
  ImageIngestor(const IngestConfig& config, FetchOptions fetch);

  Result<std::shared_ptr<IngestedImage>> FromUpload(std::string bytes, std::string_view file_name) const;
  // Download + FromDownload; a download failure's message starts with "image_url: ".
  Result<std::shared_ptr<IngestedImage>> FromUrl(std::string_view url) const;

  // The two steps of FromUrl, for routes that report them differently (the seed's "Could not
  // download image from URL" / "Could not process image"): the fetched body, and the image in it.
  Result<std::string> Download(std::string_view url) const;
  Result<std::shared_ptr<IngestedImage>> FromDownload(std::string bytes, std::string_view url) const;

  const DecodeLimits& limits() const { return limits_; }

 private:
  Result<std::shared_ptr<IngestedImage>> FromBytes(std::string bytes, std::string source) const;

  DecodeLimits limits_;
  UrlFetcher fetcher_;
};

}  // namespace iris
