#include "vision/image_encoder.h"

namespace iris {

Result<Embedding> ImageEncoder::EmbedImage(const RgbImage& image, bool normalize,
                                           BatchAnnouncement* announcement) const {
  const RgbImage* one[] = {&image};
  IRIS_ASSIGN_OR_RETURN(std::vector<Embedding> rows, EmbedImages(one, normalize, announcement));
  if (rows.size() != 1) return Internal("model " + name() + " returned no embedding");
  return std::move(rows.front());
}

Result<Embedding> DecodeAndEmbed(const ImageEncoder& encoder, const DecodeAtLeast& decode, bool normalize,
                                 Trace& trace) {
  // Announced before decoding, so a batch forming meanwhile waits for this image.
  BatchAnnouncement announcement = encoder.AnnounceImages(1);
  std::shared_ptr<const RgbImage> pixels;
  {
    ScopedStage stage(trace, "decode");
    IRIS_ASSIGN_OR_RETURN(pixels, decode(DecodeMinSide(encoder.preprocessing())));
  }
  ScopedStage stage(trace, "inference");
  return encoder.EmbedImage(*pixels, normalize, &announcement);
}

}  // namespace iris
