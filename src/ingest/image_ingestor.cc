#include "ingest/image_ingestor.h"

namespace iris {
namespace {

// Upload file names are reported back (seed contract: "uploaded:<name>") but never used as paths;
// keep them printable and short.
std::string SanitizedFileName(std::string_view name) {
  std::string out;
  for (char c : name.substr(0, 200)) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '_' : c;
  return out.empty() ? "image" : out;
}

}  // namespace

DecodeLimits DecodeLimitsFromConfig(const IngestConfig& config) {
  return {config.max_image_bytes, config.max_image_pixels, config.max_aspect_ratio};
}

IngestedImage::IngestedImage(std::string bytes, ContentHashes hashes, ImageInfo info, std::string source,
                             DecodeLimits limits)
    : bytes_(std::move(bytes)), hashes_(std::move(hashes)), info_(info), source_(std::move(source)), limits_(limits) {}

Result<std::shared_ptr<const RgbImage>> IngestedImage::Full() const { return AtLeast(0); }

Result<std::shared_ptr<const RgbImage>> IngestedImage::AtLeast(int min_side) const {
  if (min_side < 0) min_side = 0;
  // Shrinking only pays when the image is clearly bigger than asked for.
  if (min_side >= std::min(info_.width, info_.height)) min_side = 0;
  std::lock_guard lock(mu_);  // one decode per size even when several operations ask at once
  if (auto it = decoded_.find(min_side); it != decoded_.end()) return it->second;
  DecodeOptions options;
  options.limits = limits_;
  options.min_side = min_side;
  IRIS_ASSIGN_OR_RETURN(DecodedImage decoded, DecodeImage(bytes_, options));
  auto image = std::make_shared<const RgbImage>(std::move(decoded.image));
  decoded_[min_side] = image;
  return image;
}

Status IngestedImage::CheckDecodes() const {
  constexpr int kCheckSide = 256;
  return AtLeast(kCheckSide).status();
}

ImageIngestor::ImageIngestor(const IngestConfig& config)
    : limits_(DecodeLimitsFromConfig(config)), fetcher_(FetchOptionsFromConfig(config)) {}

ImageIngestor::ImageIngestor(const IngestConfig& config, FetchOptions fetch)
    : limits_(DecodeLimitsFromConfig(config)), fetcher_(std::move(fetch)) {}

Result<std::shared_ptr<IngestedImage>> ImageIngestor::FromUpload(std::string bytes, std::string_view file_name) const {
  return FromBytes(std::move(bytes), "uploaded:" + SanitizedFileName(file_name));
}

Result<std::shared_ptr<IngestedImage>> ImageIngestor::FromUrl(std::string_view url) const {
  auto downloaded = Download(url);
  if (!downloaded.ok()) return downloaded.status().WithContext("image_url");
  return FromDownload(std::move(downloaded).value(), url);
}

Result<std::string> ImageIngestor::Download(std::string_view url) const {
  IRIS_ASSIGN_OR_RETURN(auto fetched, fetcher_.Fetch(url));
  return std::move(fetched.body);
}

Result<std::shared_ptr<IngestedImage>> ImageIngestor::FromDownload(std::string bytes, std::string_view url) const {
  return FromBytes(std::move(bytes), std::string(url));
}

Result<std::shared_ptr<IngestedImage>> ImageIngestor::FromBytes(std::string bytes, std::string source) const {
  // ProbeImage checks emptiness, the byte limit, the format and the pixel limit from the header alone.
  IRIS_ASSIGN_OR_RETURN(ImageInfo info, ProbeImage(bytes, limits_));
  ContentHashes hashes = ComputeContentHashes(bytes);
  return std::make_shared<IngestedImage>(std::move(bytes), std::move(hashes), info, std::move(source), limits_);
}

}  // namespace iris
