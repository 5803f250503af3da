#include "image/image_decoder.h"

#include <algorithm>
#include <cmath>
#include <new>
#include <string>
#include <vector>
#include <vips/vips8>

#include "image/vips_bridge.h"
#include "image/vips_runtime.h"

namespace iris {
namespace {

using vips::VImage;

// A libvips blob over caller-owned bytes, without copying them. Safe because the operation cache is
// off (vips_runtime.h): nothing holds the blob after the decode that made it has finished.
class BorrowedBlob {
 public:
  explicit BorrowedBlob(std::string_view bytes) : blob_(vips_blob_new(nullptr, bytes.data(), bytes.size())) {}
  ~BorrowedBlob() { vips_area_unref(VIPS_AREA(blob_)); }
  BorrowedBlob(const BorrowedBlob&) = delete;
  BorrowedBlob& operator=(const BorrowedBlob&) = delete;
  VipsBlob* get() const { return blob_; }

 private:
  VipsBlob* blob_;
};

// Reduced-size decoding that a loader can do while decoding (1 = none).
struct LoadScale {
  int jpeg_shrink = 1;      // 1, 2, 4 or 8: libjpeg DCT scaling
  double webp_scale = 1.0;  // (0, 1]: libwebp scaled decoding
  bool reduces() const { return jpeg_shrink > 1 || webp_scale < 1.0; }
};

const char* LoaderName(ImageFormat format) {
  switch (format) {
    case ImageFormat::kJpeg:
      return "jpegload_buffer";
    case ImageFormat::kPng:
      return "pngload_buffer";
    case ImageFormat::kWebp:
      return "webpload_buffer";
    case ImageFormat::kGif:
      return "gifload_buffer";
    case ImageFormat::kTiff:
      return "tiffload_buffer";
    case ImageFormat::kAvif:
    case ImageFormat::kHeic:
      return "heifload_buffer";
  }
  return "";
}

// Opens `blob` with the explicit loader of `format` (never the generic loader). libvips reads the
// header now and the pixels only when they are computed, so size checks on the result come before
// any pixel memory is allocated. fail_on=error turns truncation and decode errors into errors
// instead of grey fill; sequential access streams the decode where the pipeline allows it.
VImage OpenWithLoader(ImageFormat format, VipsBlob* blob, const LoadScale& scale) {
  vips::VOption* options = VImage::option()->set("access", VIPS_ACCESS_SEQUENTIAL)->set("fail_on", VIPS_FAIL_ON_ERROR);
  switch (format) {
    case ImageFormat::kJpeg:
      if (scale.jpeg_shrink > 1) options->set("shrink", scale.jpeg_shrink);
      return VImage::jpegload_buffer(blob, options);
    case ImageFormat::kPng:
      return VImage::pngload_buffer(blob, options);
    case ImageFormat::kWebp:
      if (scale.webp_scale < 1.0) options->set("scale", scale.webp_scale);
      return VImage::webpload_buffer(blob, options);
    case ImageFormat::kGif:
      return VImage::gifload_buffer(blob, options);  // n=1: the first frame only
    case ImageFormat::kTiff:
      return VImage::tiffload_buffer(blob, options);  // page 0 only
    case ImageFormat::kAvif:
    case ImageFormat::kHeic:
      return VImage::heifload_buffer(blob, options);  // the primary image
  }
  throw vips::VError("no loader for this format");
}

// Everything that can be decided before libvips sees the bytes.
Result<ImageFormat> CheckInput(std::string_view bytes, const DecodeLimits& limits) {
  IRIS_RETURN_IF_ERROR(StartVips());
  if (bytes.empty()) return InvalidArgument("empty image file");
  if (static_cast<std::int64_t>(bytes.size()) > limits.max_bytes) {
    return TooLarge("image file is " + std::to_string(bytes.size()) + " bytes, more than the limit of " +
                    std::to_string(limits.max_bytes) + " bytes");
  }
  std::optional<ImageFormat> format = SniffImageFormat(bytes);
  if (!format) {
    return UnsupportedMedia("not a supported image: the data is none of " + std::string(SupportedImageFormatsList()));
  }
  // heifload lives in a libvips plugin module that a minimal install may lack.
  if (vips_type_find("VipsOperation", LoaderName(*format)) == 0) {
    return UnsupportedMedia(std::string(ImageFormatName(*format)) + " images cannot be decoded by this build");
  }
  return *format;
}

// "50" for 50.0, "12.5" for 12.5.
std::string RatioText(double ratio) {
  std::string text = std::to_string(ratio);
  text.erase(text.find_last_not_of('0') + 1);
  if (text.back() == '.') text.pop_back();
  return text;
}

Status CheckPixels(const VImage& image, const DecodeLimits& limits) {
  const std::string size = std::to_string(image.width()) + "x" + std::to_string(image.height());
  std::int64_t pixels = static_cast<std::int64_t>(image.width()) * image.height();
  if (pixels > limits.max_pixels) {
    return TooLarge("image is " + size + " pixels, more than the limit of " + std::to_string(limits.max_pixels) +
                    " pixels");
  }
  const int shorter = std::min(image.width(), image.height());
  const int longer = std::max(image.width(), image.height());
  if (shorter < 1) return InvalidArgument("image is " + size + " pixels: it has no pixels");
  if (static_cast<double>(longer) > limits.max_aspect_ratio * shorter) {
    return Unprocessable("image is " + size + " pixels: its aspect ratio " +
                         RatioText(std::floor(static_cast<double>(longer) / shorter * 10) / 10) +
                         ":1 (longer side to shorter side) is more than the limit of " +
                         RatioText(limits.max_aspect_ratio) + ":1");
  }
  return Status::Ok();
}

ImageInfo InfoOf(ImageFormat format, const VImage& image) {
  ImageInfo info{format, image.width(), image.height()};
  if (vips_image_get_orientation_swap(image.get_image())) std::swap(info.width, info.height);
  return info;
}

int ShorterSide(const VImage& image) { return std::min(image.width(), image.height()); }

// The strongest reduction that keeps the shorter side >= min_side (rotation does not change which
// side is shorter). libjpeg's scaled size is ceil(size / shrink).
LoadScale ChooseLoadScale(ImageFormat format, int shorter_side, int min_side) {
  LoadScale scale;
  if (min_side <= 0 || shorter_side <= min_side) return scale;
  if (format == ImageFormat::kJpeg) {
    for (int shrink : {8, 4, 2}) {
      if ((shorter_side + shrink - 1) / shrink >= min_side) {
        scale.jpeg_shrink = shrink;
        break;
      }
    }
  } else if (format == ImageFormat::kWebp) {
    scale.webp_scale = static_cast<double>(min_side) / shorter_side;
  }
  return scale;
}

// Applies EXIF orientation. Rotation reads the image out of order, which a sequentially loaded
// image cannot serve, so such images are decoded into memory first.
VImage Upright(VImage image) {
  if (vips_image_get_orientation(image.get_image()) == 1) return image;
  return image.copy_memory().autorot();
}

double MaxValue(const VImage& image) { return image.format() == VIPS_FORMAT_USHORT ? 65535.0 : 255.0; }

// Any colour model, bit depth, profile and alpha -> 3-band 8-bit sRGB.
VImage ToSrgb8(VImage image) {
  const bool cmyk = image.interpretation() == VIPS_INTERPRETATION_CMYK;
  // Flatten onto white in the image's own space, where "white" is simply the maximum value.
  if (image.has_alpha() && !cmyk) {
    double max = MaxValue(image);
    // One background value serves every colour band (grey+alpha has one, RGB+alpha three).
    image = image.flatten(VImage::option()->set("background", std::vector<double>{max})->set("max_alpha", max));
  }
  const bool has_profile = image.get_typeof(VIPS_META_ICC_NAME) != 0;
  bool converted = false;
  if (has_profile || cmyk) {
    // embedded=true: use the file's profile, or libvips' default CMYK profile when there is none.
    try {
      image = image.icc_transform(
          "srgb", VImage::option()->set("embedded", true)->set("intent", VIPS_INTENT_PERCEPTUAL)->set("depth", 8));
      converted = true;
    } catch (const vips::VError& error) {
      // A broken or mismatched profile: fall back to treating the numbers as plain RGB/grey.
      vips_bridge::TakeVipsError(error);
    }
  }
  if (!converted && (image.interpretation() != VIPS_INTERPRETATION_sRGB || image.format() != VIPS_FORMAT_UCHAR)) {
    image = image.colourspace(VIPS_INTERPRETATION_sRGB);
  }
  if (image.has_alpha()) {
    image = image.flatten(VImage::option()->set("background", std::vector<double>{255}));
  }
  if (image.bands() > 3) image = image.extract_band(0, VImage::option()->set("n", 3));
  if (image.bands() == 1) image = VImage::bandjoin({image, image, image});
  if (image.format() != VIPS_FORMAT_UCHAR) image = image.cast(VIPS_FORMAT_UCHAR);
  return image;
}

Status CorruptData(ImageFormat format, const vips::VError& error) {
  std::string detail = vips_bridge::TakeVipsError(error);
  return InvalidArgument("image data is corrupt or truncated (" + std::string(ImageFormatName(format)) + ")" +
                         (detail.empty() ? "" : ": " + detail));
}

}  // namespace

Result<ImageInfo> ProbeImage(std::string_view bytes, const DecodeLimits& limits) {
  IRIS_ASSIGN_OR_RETURN(ImageFormat format, CheckInput(bytes, limits));
  try {
    BorrowedBlob blob(bytes);
    VImage image = OpenWithLoader(format, blob.get(), {});
    IRIS_RETURN_IF_ERROR(CheckPixels(image, limits));
    return InfoOf(format, image);
  } catch (const vips::VError& error) {
    return CorruptData(format, error);
  } catch (const std::bad_alloc&) {
    return ResourceExhausted("not enough memory to decode the image");
  }
}

Result<DecodedImage> DecodeImage(std::string_view bytes, const DecodeOptions& options) {
  IRIS_ASSIGN_OR_RETURN(ImageFormat format, CheckInput(bytes, options.limits));
  try {
    BorrowedBlob blob(bytes);
    VImage image = OpenWithLoader(format, blob.get(), {});
    IRIS_RETURN_IF_ERROR(CheckPixels(image, options.limits));
    ImageInfo info = InfoOf(format, image);
    LoadScale scale = ChooseLoadScale(format, ShorterSide(image), options.min_side);
    if (scale.reduces()) {
      // Re-open at reduced size; keep it only if rounding did not take it below min_side.
      VImage reduced = OpenWithLoader(format, blob.get(), scale);
      if (ShorterSide(reduced) >= options.min_side) image = reduced;
    }
    VImage srgb = ToSrgb8(Upright(image));
    return DecodedImage{vips_bridge::CopyToRgbImage(srgb), info};
  } catch (const vips::VError& error) {
    return CorruptData(format, error);
  } catch (const std::bad_alloc&) {
    return ResourceExhausted("not enough memory to decode the image");
  }
}

}  // namespace iris
