#include "image/image_format.h"

#include <gtest/gtest.h>

#include <string>

#include "image/test_images.h"

namespace iris {
namespace {

using namespace std::string_view_literals;

TEST(ImageFormatTest, SniffsFilesWrittenByLibvipsInEveryFormat) {
  vips::VImage photo = testing::SharedPhoto(120, 80);
  const struct {
    const char* suffix;
    ImageFormat format;
  } cases[] = {{".jpg", ImageFormat::kJpeg}, {".png", ImageFormat::kPng},  {".webp", ImageFormat::kWebp},
               {".gif", ImageFormat::kGif},  {".tif", ImageFormat::kTiff}, {".avif", ImageFormat::kAvif},
               {".heic", ImageFormat::kHeic}};
  for (const auto& c : cases) {
    std::string bytes = testing::EncodeWithVips(photo, c.suffix);
    std::optional<ImageFormat> sniffed = SniffImageFormat(bytes);
    ASSERT_TRUE(sniffed.has_value()) << c.suffix;
    EXPECT_EQ(*sniffed, c.format) << c.suffix;
  }
}

TEST(ImageFormatTest, SniffsSignaturesAndBigEndianTiff) {
  EXPECT_EQ(SniffImageFormat("\xFF\xD8\xFF\xE0rest"sv), ImageFormat::kJpeg);
  EXPECT_EQ(SniffImageFormat("GIF87a...."sv), ImageFormat::kGif);
  EXPECT_EQ(SniffImageFormat("MM\0*\0\0\0\x08"sv), ImageFormat::kTiff);
  EXPECT_EQ(SniffImageFormat("II+\0\x08\0\0\0"sv), ImageFormat::kTiff);
  // An AVIF whose major brand is the generic "mif1" is still AVIF when a compatible brand says so.
  EXPECT_EQ(SniffImageFormat("\0\0\0\x1C"
                             "ftypmif1\0\0\0\0mif1avifmiaf"sv),
            ImageFormat::kAvif);
  EXPECT_EQ(SniffImageFormat("\0\0\0\x18"
                             "ftypmif1\0\0\0\0mif1heic"sv),
            ImageFormat::kHeic);
}

TEST(ImageFormatTest, RejectsLookalikesAndNonImages) {
  EXPECT_FALSE(SniffImageFormat(""sv).has_value());
  EXPECT_FALSE(SniffImageFormat("\xFF\xD8"sv).has_value());                // too short to be a JPEG
  EXPECT_FALSE(SniffImageFormat("RIFF\x24\0\0\0WAVEfmt "sv).has_value());  // RIFF audio
  EXPECT_FALSE(SniffImageFormat("\0\0\0\x18"
                                "ftypisom\0\0\0\0isomiso2"sv)
                   .has_value());  // MP4 video
  EXPECT_FALSE(SniffImageFormat("%PDF-1.7\n"sv).has_value());
  EXPECT_FALSE(SniffImageFormat("<svg xmlns=\"http://www.w3.org/2000/svg\"/>"sv).has_value());
  EXPECT_FALSE(SniffImageFormat("just some text, named photo.jpg"sv).has_value());
}

TEST(ImageFormatTest, NamesAndMimeTypes) {
  EXPECT_EQ(ImageFormatName(ImageFormat::kJpeg), "JPEG");
  EXPECT_EQ(ImageFormatMimeType(ImageFormat::kJpeg), "image/jpeg");
  EXPECT_EQ(ImageFormatMimeType(ImageFormat::kPng), "image/png");
  EXPECT_EQ(ImageFormatMimeType(ImageFormat::kWebp), "image/webp");
  EXPECT_EQ(ImageFormatMimeType(ImageFormat::kGif), "image/gif");
  EXPECT_EQ(ImageFormatMimeType(ImageFormat::kTiff), "image/tiff");
  EXPECT_EQ(ImageFormatMimeType(ImageFormat::kAvif), "image/avif");
  EXPECT_EQ(ImageFormatMimeType(ImageFormat::kHeic), "image/heic");
  EXPECT_EQ(ImageFormatName(ImageFormat::kHeic), "HEIC");
  EXPECT_NE(SupportedImageFormatsList().find("AVIF"), std::string_view::npos);
}

}  // namespace
}  // namespace iris
