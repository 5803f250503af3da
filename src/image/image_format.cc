#include "image/image_format.h"

#include <cstddef>
#include <cstdint>

namespace iris {
namespace {

bool StartsWith(std::string_view bytes, std::string_view prefix) { return bytes.substr(0, prefix.size()) == prefix; }

std::uint32_t ReadBigEndian32(std::string_view bytes, std::size_t offset) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i) value = (value << 8) | static_cast<unsigned char>(bytes[offset + i]);
  return value;
}

// ISO-BMFF files (HEIF, AVIF) start with an "ftyp" box listing a major brand and compatible brands.
// AVIF wins when any brand says AV1, because AVIF files usually also carry the generic "mif1".
std::optional<ImageFormat> SniffIsoBmff(std::string_view bytes) {
  if (bytes.size() < 16 || bytes.substr(4, 4) != "ftyp") return std::nullopt;
  std::size_t box_size = ReadBigEndian32(bytes, 0);
  if (box_size < 16 || box_size > bytes.size()) box_size = bytes.size();
  if (box_size > 4096) box_size = 4096;  // brands live in the first box; do not scan further
  bool heif = false;
  // Brands: major at 8, minor version at 12 (skipped), compatible brands from 16.
  for (std::size_t offset = 8; offset + 4 <= box_size; offset += (offset == 8 ? 8 : 4)) {
    std::string_view brand = bytes.substr(offset, 4);
    if (brand == "avif" || brand == "avis") return ImageFormat::kAvif;
    if (brand == "heic" || brand == "heix" || brand == "heim" || brand == "heis" || brand == "hevc" ||
        brand == "hevx" || brand == "mif1" || brand == "msf1") {
      heif = true;
    }
  }
  if (heif) return ImageFormat::kHeic;
  return std::nullopt;
}

}  // namespace

std::optional<ImageFormat> SniffImageFormat(std::string_view bytes) {
  using namespace std::string_view_literals;
  if (StartsWith(bytes, "\xFF\xD8\xFF"sv)) return ImageFormat::kJpeg;
  if (StartsWith(bytes, "\x89PNG\r\n\x1A\n"sv)) return ImageFormat::kPng;
  if (StartsWith(bytes, "GIF87a"sv) || StartsWith(bytes, "GIF89a"sv)) return ImageFormat::kGif;
  if (bytes.size() >= 12 && StartsWith(bytes, "RIFF"sv) && bytes.substr(8, 4) == "WEBP"sv) return ImageFormat::kWebp;
  // Classic TIFF ("*" = 42) and BigTIFF ("+" = 43), little and big endian.
  if (StartsWith(bytes, "II*\0"sv) || StartsWith(bytes, "MM\0*"sv) || StartsWith(bytes, "II+\0"sv) ||
      StartsWith(bytes, "MM\0+"sv)) {
    return ImageFormat::kTiff;
  }
  return SniffIsoBmff(bytes);
}

std::string_view ImageFormatName(ImageFormat format) {
  switch (format) {
    case ImageFormat::kJpeg:
      return "JPEG";
    case ImageFormat::kPng:
      return "PNG";
    case ImageFormat::kWebp:
      return "WebP";
    case ImageFormat::kGif:
      return "GIF";
    case ImageFormat::kTiff:
      return "TIFF";
    case ImageFormat::kAvif:
      return "AVIF";
    case ImageFormat::kHeic:
      return "HEIC";
  }
  return "unknown";
}

std::string_view ImageFormatMimeType(ImageFormat format) {
  switch (format) {
    case ImageFormat::kJpeg:
      return "image/jpeg";
    case ImageFormat::kPng:
      return "image/png";
    case ImageFormat::kWebp:
      return "image/webp";
    case ImageFormat::kGif:
      return "image/gif";
    case ImageFormat::kTiff:
      return "image/tiff";
    case ImageFormat::kAvif:
      return "image/avif";
    case ImageFormat::kHeic:
      return "image/heic";
  }
  return "application/octet-stream";
}

std::string_view SupportedImageFormatsList() { return "JPEG, PNG, WebP, GIF, TIFF, AVIF, HEIC"; }

}  // namespace iris
