#include "providers/caption_jpeg.h"

#include <algorithm>

#include "image/image_encoder.h"
#include "image/image_geometry.h"

namespace iris {

Result<std::string> CaptionJpeg(const RgbImage& image) {
  const int longest = std::max(image.width, image.height);
  if (longest <= kMaxCaptionSide) return EncodeJpeg(image, kCaptionJpegQuality);
  const double scale = static_cast<double>(kMaxCaptionSide) / longest;
  IRIS_ASSIGN_OR_RETURN(RgbImage smaller, ResizeBilinear(image, std::max(1, static_cast<int>(image.width * scale)),
                                                         std::max(1, static_cast<int>(image.height * scale))));
  return EncodeJpeg(smaller, kCaptionJpegQuality);
}

}  // namespace iris
