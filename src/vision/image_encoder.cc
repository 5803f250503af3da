#include "vision/image_encoder.h"

#include <chrono>

namespace iris {
namespace {

double MillisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

Result<Embedding> ImageEncoder::EmbedImage(const RgbImage& image, bool normalize,
                                           BatchAnnouncement* announcement) const {
  const RgbImage* one[] = {&image};
  IRIS_ASSIGN_OR_RETURN(std::vector<Embedding> rows, EmbedImages(one, normalize, announcement));
  if (rows.size() != 1) return Internal("model " + name() + " returned no embedding");
  return std::move(rows.front());
}

Result<Embedding> DecodeAndEmbed(const ImageEncoder& encoder, const DecodeAtLeast& decode, bool normalize,
                                 const StageTimeSink& stage_time) {
  // Announced before decoding, so a batch forming meanwhile waits for this image.
  BatchAnnouncement announcement = encoder.AnnounceImages(1);
  auto started = std::chrono::steady_clock::now();
  Result<std::shared_ptr<const RgbImage>> pixels = decode(DecodeMinSide(encoder.preprocessing()));
  if (stage_time) stage_time("decode", MillisecondsSince(started));
  if (!pixels.ok()) return pixels.status();
  started = std::chrono::steady_clock::now();
  Result<Embedding> embedding = encoder.EmbedImage(**pixels, normalize, &announcement);
  if (stage_time) stage_time("inference", MillisecondsSince(started));
  return embedding;
}

}  // namespace iris
