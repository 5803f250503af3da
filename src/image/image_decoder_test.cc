#include "image/image_decoder.h"

#include <gtest/gtest.h>

#include <array>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "image/image_geometry.h"
#include "image/test_images.h"
#include "support/temp_dir.h"

namespace iris {
namespace {

using testing::ColourDistance;
using testing::EncodeWithVips;
using testing::MeanAbsDiff;
using testing::PixelAt;
using testing::SharedPhoto;
using testing::ToRgbImage;
using vips::VImage;

constexpr int kWidth = 240;
constexpr int kHeight = 160;

Result<DecodedImage> Decode(const std::string& bytes, int min_side = 0) {
  DecodeOptions options;
  options.min_side = min_side;
  return DecodeImage(bytes, options);
}

// Decodes `bytes`, which must succeed with the given size; returns the image.
RgbImage DecodeOk(const std::string& bytes, int width, int height) {
  Result<DecodedImage> decoded = Decode(bytes);
  EXPECT_TRUE(decoded.ok()) << decoded.status().ToString();
  if (!decoded.ok()) return {};
  EXPECT_EQ(decoded->image.width, width);
  EXPECT_EQ(decoded->image.height, height);
  EXPECT_EQ(decoded->info.width, width);
  EXPECT_EQ(decoded->info.height, height);
  EXPECT_EQ(decoded->image.pixels.size(), static_cast<std::size_t>(width) * height * 3);
  return decoded->image;
}

std::uint32_t Crc32(const std::string& bytes, std::size_t begin, std::size_t end) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (std::size_t i = begin; i < end; ++i) {
    crc ^= static_cast<unsigned char>(bytes[i]);
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void PutBigEndian32(std::string& bytes, std::size_t offset, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) bytes[offset + i] = static_cast<char>((value >> (24 - 8 * i)) & 0xFF);
}

TEST(ImageDecoderTest, DecodesEveryFormatCloseToTheSourcePhoto) {
  VImage photo = SharedPhoto(kWidth, kHeight);
  RgbImage source = ToRgbImage(photo);
  const struct {
    const char* suffix;
    ImageFormat format;
    double max_mean_diff;  // lossless formats must match exactly
  } cases[] = {{".jpg[Q=92]", ImageFormat::kJpeg, 4},  {".png", ImageFormat::kPng, 0},
               {".webp[Q=92]", ImageFormat::kWebp, 4}, {".gif", ImageFormat::kGif, 10},
               {".tif", ImageFormat::kTiff, 0},        {".avif[Q=90]", ImageFormat::kAvif, 5},
               {".heic[Q=90]", ImageFormat::kHeic, 5}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.suffix);
    std::string bytes = EncodeWithVips(photo, c.suffix);
    Result<ImageInfo> probed = ProbeImage(bytes, DecodeLimits{});
    ASSERT_TRUE(probed.ok()) << probed.status().ToString();
    EXPECT_EQ(probed->format, c.format);
    EXPECT_EQ(probed->width, kWidth);
    EXPECT_EQ(probed->height, kHeight);
    Result<DecodedImage> decoded = Decode(bytes);
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(decoded->info.format, c.format);
    double diff = MeanAbsDiff(decoded->image, source);
    EXPECT_LE(diff, c.max_mean_diff);
    std::printf("%-12s %6zu bytes, mean abs diff %.2f\n", c.suffix, bytes.size(), diff);
  }
}

TEST(ImageDecoderTest, DecodesEveryRealPhotoInTheSharedSets) {
  namespace fs = std::filesystem;
  int decoded_count = 0;
  for (const char* folder : {"data/debian-photos/images", "data/near-duplicates/images"}) {
    for (const auto& entry : fs::directory_iterator(testing::RequireShared(folder))) {
      std::string name = entry.path().filename().string();
      if (name.find("_corrupt") != std::string::npos) continue;  // tested on its own below
      std::string bytes = testing::ReadFileBytes(entry.path());
      Result<DecodedImage> decoded = Decode(bytes);
      ASSERT_TRUE(decoded.ok()) << name << ": " << decoded.status().ToString();
      EXPECT_EQ(decoded->image.width, decoded->info.width) << name;
      EXPECT_EQ(decoded->image.height, decoded->info.height) << name;
      ++decoded_count;
    }
  }
  EXPECT_GE(decoded_count, 70);
}

TEST(ImageDecoderTest, AppliesExifOrientation) {
  // Stored 240x160 with a red square in the stored top-left corner; orientation 6 means "rotate 90
  // degrees clockwise to display", so the upright image is 160x240 with the square top-right.
  VImage stored = SharedPhoto(kWidth, kHeight).copy_memory();
  stored.draw_rect({255, 0, 0}, 0, 0, 30, 30, VImage::option()->set("fill", true));
  stored.set(VIPS_META_ORIENTATION, 6);
  std::string bytes = EncodeWithVips(stored, ".jpg[Q=95]");

  Result<ImageInfo> probed = ProbeImage(bytes, DecodeLimits{});
  ASSERT_TRUE(probed.ok()) << probed.status().ToString();
  EXPECT_EQ(probed->width, kHeight);
  EXPECT_EQ(probed->height, kWidth);

  RgbImage upright = DecodeOk(bytes, kHeight, kWidth);
  EXPECT_LE(ColourDistance(PixelAt(upright, kHeight - 10, 10), {255, 0, 0}), 20);
  EXPECT_GT(ColourDistance(PixelAt(upright, 10, 10), {255, 0, 0}), 60);
  stored.remove(VIPS_META_ORIENTATION);
  EXPECT_LE(MeanAbsDiff(upright, ToRgbImage(stored.rot90())), 4);
}

TEST(ImageDecoderTest, FlattensAlphaOntoWhite) {
  VImage photo = SharedPhoto(kWidth, kHeight);
  // Alpha: transparent left third, half-transparent middle third, opaque right third.
  VImage alpha = VImage::black(kWidth, kHeight).copy_memory();
  alpha.draw_rect({128}, kWidth / 3, 0, kWidth / 3, kHeight, VImage::option()->set("fill", true));
  alpha.draw_rect({255}, 2 * kWidth / 3, 0, kWidth - 2 * kWidth / 3, kHeight, VImage::option()->set("fill", true));
  VImage rgba = photo.bandjoin(alpha.cast(VIPS_FORMAT_UCHAR));
  RgbImage source = ToRgbImage(photo);
  for (const char* suffix : {".png", ".webp[lossless]", ".tif"}) {
    SCOPED_TRACE(suffix);
    RgbImage decoded = DecodeOk(EncodeWithVips(rgba, suffix), kWidth, kHeight);
    EXPECT_EQ(PixelAt(decoded, 5, 5), (std::array<int, 3>{255, 255, 255}));
    EXPECT_EQ(PixelAt(decoded, 60, 100), (std::array<int, 3>{255, 255, 255}));
    std::array<int, 3> half = PixelAt(decoded, kWidth / 2, 80);
    std::array<int, 3> original = PixelAt(source, kWidth / 2, 80);
    EXPECT_LE(ColourDistance(half, {(original[0] + 255) / 2, (original[1] + 255) / 2, (original[2] + 255) / 2}), 2);
    EXPECT_EQ(PixelAt(decoded, kWidth - 5, 80), PixelAt(source, kWidth - 5, 80));
  }
}

TEST(ImageDecoderTest, FlattensGreyAlphaOntoWhite) {
  VImage grey = SharedPhoto(kWidth, kHeight).colourspace(VIPS_INTERPRETATION_B_W);
  VImage alpha = VImage::black(kWidth, kHeight).copy_memory();
  alpha.draw_rect({255}, kWidth / 2, 0, kWidth / 2, kHeight, VImage::option()->set("fill", true));
  VImage grey_alpha = grey.bandjoin(alpha.cast(VIPS_FORMAT_UCHAR));
  ASSERT_EQ(grey_alpha.bands(), 2);
  RgbImage source = ToRgbImage(VImage::bandjoin({grey, grey, grey}));
  for (const char* suffix : {".png", ".webp[lossless]"}) {
    SCOPED_TRACE(suffix);
    RgbImage decoded = DecodeOk(EncodeWithVips(grey_alpha, suffix), kWidth, kHeight);
    EXPECT_EQ(PixelAt(decoded, 5, 5), (std::array<int, 3>{255, 255, 255}));
    EXPECT_EQ(PixelAt(decoded, kWidth - 5, 80), PixelAt(source, kWidth - 5, 80));
  }
}

TEST(ImageDecoderTest, GreyAndSixteenBitAndPalettePngBecomeRgb8) {
  VImage photo = SharedPhoto(kWidth, kHeight);
  RgbImage source = ToRgbImage(photo);

  VImage grey = photo.colourspace(VIPS_INTERPRETATION_B_W);
  RgbImage grey_rgb = ToRgbImage(VImage::bandjoin({grey, grey, grey}));
  RgbImage decoded_grey = DecodeOk(EncodeWithVips(grey, ".png"), kWidth, kHeight);
  EXPECT_EQ(MeanAbsDiff(decoded_grey, grey_rgb), 0);

  VImage rgb16 = (photo.cast(VIPS_FORMAT_USHORT) * 257)
                     .cast(VIPS_FORMAT_USHORT)
                     .copy(VImage::option()->set("interpretation", VIPS_INTERPRETATION_RGB16));
  std::string png16 = EncodeWithVips(rgb16, ".png");
  ASSERT_EQ(png16[24], 16) << "the test file should be a 16-bit PNG";  // IHDR bit depth
  EXPECT_LE(MeanAbsDiff(DecodeOk(png16, kWidth, kHeight), source), 0.5);

  VImage grey16 = (grey.cast(VIPS_FORMAT_USHORT) * 257)
                      .cast(VIPS_FORMAT_USHORT)
                      .copy(VImage::option()->set("interpretation", VIPS_INTERPRETATION_GREY16));
  EXPECT_LE(MeanAbsDiff(DecodeOk(EncodeWithVips(grey16, ".png"), kWidth, kHeight), grey_rgb), 0.5);

  VImage rgba16 =
      rgb16.bandjoin_const({65535}).copy(VImage::option()->set("interpretation", VIPS_INTERPRETATION_RGB16));
  EXPECT_LE(MeanAbsDiff(DecodeOk(EncodeWithVips(rgba16, ".png"), kWidth, kHeight), source), 0.5);

  std::string palette = EncodeWithVips(photo, ".png[palette]");
  ASSERT_EQ(palette[25], 3) << "the test file should be a palette PNG";  // IHDR colour type
  EXPECT_LE(MeanAbsDiff(DecodeOk(palette, kWidth, kHeight), source), 8);
}

TEST(ImageDecoderTest, ConvertsEmbeddedIccProfileToSrgb) {
  VImage photo = SharedPhoto(kWidth, kHeight);
  RgbImage source = ToRgbImage(photo);
  // The same picture stored as Display P3 numbers with the P3 profile embedded.
  VImage p3 = photo.icc_transform("p3", VImage::option()->set("input_profile", "srgb")->set("embedded", false));
  ASSERT_NE(p3.get_typeof(VIPS_META_ICC_NAME), 0u);
  RgbImage raw_p3 = ToRgbImage(p3);
  ASSERT_GT(MeanAbsDiff(raw_p3, source), 3) << "P3 numbers should differ from sRGB for this test to mean anything";
  RgbImage decoded = DecodeOk(EncodeWithVips(p3, ".png"), kWidth, kHeight);
  EXPECT_LE(MeanAbsDiff(decoded, source), 1.5);
}

TEST(ImageDecoderTest, DecodesCmykJpegWithAndWithoutProfile) {
  VImage photo = SharedPhoto(kWidth, kHeight);
  RgbImage source = ToRgbImage(photo);
  VImage cmyk = photo.icc_transform("cmyk", VImage::option()->set("input_profile", "srgb")).copy_memory();
  ASSERT_EQ(cmyk.bands(), 4);
  // CMYK cannot hold every sRGB colour, so compare with the same round trip done in memory.
  RgbImage round_trip = ToRgbImage(cmyk.icc_transform("srgb", VImage::option()->set("embedded", true)));
  std::string with_profile = EncodeWithVips(cmyk, ".jpg[Q=95]");
  RgbImage decoded = DecodeOk(with_profile, kWidth, kHeight);
  double diff = MeanAbsDiff(decoded, round_trip);
  EXPECT_LE(diff, 2.5);
  EXPECT_LE(MeanAbsDiff(decoded, source), 12);
  std::printf("CMYK with profile: %.2f from the in-memory round trip, %.2f from the sRGB source\n", diff,
              MeanAbsDiff(decoded, source));

  // Without a profile the decoder falls back to libvips' default CMYK profile (the same one here).
  VImage bare = cmyk.copy();
  bare.remove(VIPS_META_ICC_NAME);
  std::string without_profile = EncodeWithVips(bare, ".jpg[Q=95]");
  EXPECT_LE(MeanAbsDiff(DecodeOk(without_profile, kWidth, kHeight), round_trip), 2.5);
}

TEST(ImageDecoderTest, DecodesOnlyTheFirstGifFrame) {
  VImage first = SharedPhoto(kWidth, kHeight);
  VImage second = first.invert();
  VImage animation = first.join(second, VIPS_DIRECTION_VERTICAL).copy();
  animation.set(VIPS_META_PAGE_HEIGHT, kHeight);
  animation.set("delay", std::vector<int>{100, 100});
  std::string bytes = EncodeWithVips(animation, ".gif");
  RgbImage decoded = DecodeOk(bytes, kWidth, kHeight);
  EXPECT_LE(MeanAbsDiff(decoded, ToRgbImage(first)), 10);
  EXPECT_GT(MeanAbsDiff(decoded, ToRgbImage(second)), 40);
}

TEST(ImageDecoderTest, ShrinkOnLoadKeepsShorterSideAtLeastMinSide) {
  std::string jpeg = testing::SharedPhotoBytes("coffee.jpg");  // 600x400
  Result<DecodedImage> full = Decode(jpeg);
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  for (int min_side : {100, 50, 40}) {
    SCOPED_TRACE(min_side);
    Result<DecodedImage> shrunk = Decode(jpeg, min_side);
    ASSERT_TRUE(shrunk.ok()) << shrunk.status().ToString();
    EXPECT_EQ(shrunk->info.width, 600);
    EXPECT_EQ(shrunk->info.height, 400);
    EXPECT_GE(std::min(shrunk->image.width, shrunk->image.height), min_side);
    EXPECT_LT(shrunk->image.width, 600);  // it did shrink
    Result<RgbImage> reference = ResizeBilinear(full->image, shrunk->image.width, shrunk->image.height);
    ASSERT_TRUE(reference.ok());
    EXPECT_LE(MeanAbsDiff(shrunk->image, *reference), 6);
  }
  // 224 needs 1/1 (400/2 = 200 < 224 is not allowed); 100 gets 1/4 (100 px); 40 gets 1/8 (50 px).
  EXPECT_EQ(Decode(jpeg, 224)->image.width, 600);
  EXPECT_EQ(Decode(jpeg, 100)->image.height, 100);
  EXPECT_EQ(Decode(jpeg, 40)->image.height, 50);
  // Never upscales.
  EXPECT_EQ(Decode(jpeg, 1000)->image.width, 600);

  VImage photo = SharedPhoto(600, 400);
  std::string webp = EncodeWithVips(photo, ".webp[Q=95]");
  Result<DecodedImage> webp_shrunk = Decode(webp, 224);
  ASSERT_TRUE(webp_shrunk.ok()) << webp_shrunk.status().ToString();
  EXPECT_GE(std::min(webp_shrunk->image.width, webp_shrunk->image.height), 224);
  EXPECT_LT(webp_shrunk->image.height, 400);
  Result<RgbImage> webp_reference =
      ResizeBilinear(ToRgbImage(photo), webp_shrunk->image.width, webp_shrunk->image.height);
  ASSERT_TRUE(webp_reference.ok());
  EXPECT_LE(MeanAbsDiff(webp_shrunk->image, *webp_reference), 6);
}

TEST(ImageDecoderTest, ShrinkOnLoadWithExifOrientation) {
  VImage stored = SharedPhoto(640, 480).copy();
  stored.set(VIPS_META_ORIENTATION, 6);
  Result<DecodedImage> decoded = Decode(EncodeWithVips(stored, ".jpg[Q=90]"), 224);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->info.width, 480);
  EXPECT_EQ(decoded->info.height, 640);
  EXPECT_EQ(decoded->image.width, 240);
  EXPECT_EQ(decoded->image.height, 320);
}

TEST(ImageDecoderTest, RefusesPngBombFromHeaderAlone) {
  std::string png = EncodeWithVips(SharedPhoto(16, 16), ".png");
  ASSERT_EQ(png.substr(12, 4), "IHDR");
  PutBigEndian32(png, 16, 100000);              // width
  PutBigEndian32(png, 20, 100000);              // height
  PutBigEndian32(png, 29, Crc32(png, 12, 29));  // CRC over chunk type + data, so libpng accepts it

  Result<ImageInfo> probed = ProbeImage(png, DecodeLimits{});
  ASSERT_FALSE(probed.ok());
  EXPECT_EQ(probed.status().code(), StatusCode::kTooLarge) << probed.status().ToString();
  Result<DecodedImage> decoded = Decode(png);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kTooLarge);
  EXPECT_NE(decoded.status().message().find("100000x100000"), std::string::npos) << decoded.status().message();
}

// A black 8-bit RGB PNG of the given size (libvips compresses it to a few KB even when huge).
std::string BlackPng(int width, int height) {
  return EncodeWithVips(VImage::black(width, height, VImage::option()->set("bands", 3)).cast(VIPS_FORMAT_UCHAR),
                        ".png");
}

TEST(ImageDecoderTest, RefusesStripsOverTheAspectRatioLimitFromHeaderAlone) {
  // The 1x1,000,000 PNG: far under the pixel limit, but 224 x 224,000,000 after CLIP's resize.
  // Its header is forged onto a 16x16 file, so a decode that did not stop at the header would fail
  // differently (corrupt data).
  std::string strip = EncodeWithVips(SharedPhoto(16, 16), ".png");
  PutBigEndian32(strip, 16, 1);
  PutBigEndian32(strip, 20, 1'000'000);
  PutBigEndian32(strip, 29, Crc32(strip, 12, 29));
  for (const Status& status : {ProbeImage(strip, DecodeLimits{}).status(), Decode(strip).status()}) {
    EXPECT_EQ(status.code(), StatusCode::kUnprocessable) << status.ToString();
    EXPECT_NE(status.message().find("1x1000000"), std::string::npos) << status.message();
    EXPECT_NE(status.message().find("aspect ratio 1000000:1"), std::string::npos) << status.message();
    EXPECT_NE(status.message().find("limit of 50:1"), std::string::npos) << status.message();
  }
}

TEST(ImageDecoderTest, AspectRatioLimitIsInclusiveAndAppliesToBothOrientations) {
  EXPECT_EQ(DecodeLimits{}.max_aspect_ratio, 50);
  for (auto [w, h] : {std::pair{10, 500}, std::pair{500, 10}}) {
    Result<DecodedImage> decoded = Decode(BlackPng(w, h));
    ASSERT_TRUE(decoded.ok()) << w << "x" << h << ": " << decoded.status().ToString();
    EXPECT_EQ(decoded->image.width, w);
  }
  for (auto [w, h] : {std::pair{10, 501}, std::pair{501, 10}}) {
    EXPECT_EQ(Decode(BlackPng(w, h)).status().code(), StatusCode::kUnprocessable) << w << "x" << h;
  }
  DecodeOptions options;
  options.limits.max_aspect_ratio = 2.5;
  EXPECT_TRUE(DecodeImage(BlackPng(10, 25), options).ok());
  Result<DecodedImage> refused = DecodeImage(BlackPng(10, 26), options);
  EXPECT_EQ(refused.status().code(), StatusCode::kUnprocessable);
  EXPECT_NE(refused.status().message().find("aspect ratio 2.6:1"), std::string::npos) << refused.status().message();
  EXPECT_NE(refused.status().message().find("limit of 2.5:1"), std::string::npos) << refused.status().message();
}

TEST(ImageDecoderTest, RefusesFilesOverTheByteLimit) {
  std::string jpeg = testing::SharedPhotoBytes();
  DecodeOptions options;
  options.limits.max_bytes = static_cast<std::int64_t>(jpeg.size()) - 1;
  Result<DecodedImage> decoded = DecodeImage(jpeg, options);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kTooLarge);
  options.limits.max_bytes = static_cast<std::int64_t>(jpeg.size());
  EXPECT_TRUE(DecodeImage(jpeg, options).ok());
}

TEST(ImageDecoderTest, RefusesImagesOverThePixelLimit) {
  std::string jpeg = testing::SharedPhotoBytes();  // 600x400 = 240000 pixels
  DecodeOptions options;
  options.limits.max_pixels = 239999;
  Result<DecodedImage> decoded = DecodeImage(jpeg, options);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kTooLarge);
  options.limits.max_pixels = 240000;
  EXPECT_TRUE(DecodeImage(jpeg, options).ok());
}

TEST(ImageDecoderTest, EmptyInputIsInvalidArgument) {
  Result<DecodedImage> decoded = Decode("");
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(decoded.status().message(), "empty image file");
  EXPECT_EQ(ProbeImage("", DecodeLimits{}).status().code(), StatusCode::kInvalidArgument);
}

TEST(ImageDecoderTest, TruncatedFilesAreCorruptNotGrey) {
  VImage photo = SharedPhoto(kWidth, kHeight);
  std::string jpeg = testing::SharedPhotoBytes();
  for (const std::string& whole : {jpeg, EncodeWithVips(photo, ".png"), EncodeWithVips(photo, ".webp"),
                                   EncodeWithVips(photo, ".gif"), EncodeWithVips(photo, ".heic")}) {
    std::string half = whole.substr(0, whole.size() / 2);
    Result<DecodedImage> decoded = Decode(half);
    ASSERT_FALSE(decoded.ok()) << "a half file decoded: " << half.size() << " bytes";
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument) << decoded.status().ToString();
    EXPECT_EQ(decoded.status().message().rfind("image data is corrupt or truncated (", 0), 0u)
        << decoded.status().message();
  }
}

// The probe of issue 16: a truncated JPEG whose header claims 10000x10000 was accepted while other
// truncated JPEGs were refused. Decoded at the sizes the routes ask for (shrink-on-load), it must be
// refused the same way.
TEST(ImageDecoderTest, ATruncatedJpegThatClaimsTenThousandSquareIsCorruptToo) {
  ASSERT_TRUE(StartVips().ok());
  VImage huge = VImage::black(10000, 10000, VImage::option()->set("bands", 3)).cast(VIPS_FORMAT_UCHAR);
  const std::string jpeg = EncodeWithVips(huge, ".jpg[Q=75]");
  for (std::size_t keep : {std::size_t{4000}, jpeg.size() / 2, jpeg.size() - 64}) {
    for (int min_side : {224, 256, 640, 1300}) {
      Result<DecodedImage> decoded = Decode(jpeg.substr(0, keep), min_side);
      ASSERT_FALSE(decoded.ok()) << keep << " of " << jpeg.size() << " bytes decoded at min_side " << min_side;
      EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument) << decoded.status().ToString();
    }
  }
}

// libvips keeps one process-wide error buffer and only appends to it: each error must be reported
// with its own text, not the first one the process ever saw.
TEST(ImageDecoderTest, EachCorruptFileIsReportedWithItsOwnLoaderError) {
  VImage photo = SharedPhoto(kWidth, kHeight);
  std::string png = EncodeWithVips(photo, ".png");
  std::string jpeg = testing::SharedPhotoBytes();
  for (int round = 0; round < 2; ++round) {
    Result<DecodedImage> bad_png = Decode(png.substr(0, png.size() / 2));
    ASSERT_FALSE(bad_png.ok());
    EXPECT_NE(bad_png.status().message().find("png"), std::string::npos) << bad_png.status().message();
    Result<DecodedImage> bad_jpeg = Decode(jpeg.substr(0, jpeg.size() / 2));
    ASSERT_FALSE(bad_jpeg.ok());
    std::string message = bad_jpeg.status().message();
    for (char& c : message) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    // "VipsJpeg: Premature end of input file", not the PNG loader's "libpng read error".
    EXPECT_NE(message.find("vipsjpeg"), std::string::npos) << message;
    EXPECT_EQ(message.find("png"), std::string::npos) << message;
  }
}

TEST(ImageDecoderTest, RandomBytesNamedJpgAreUnsupportedMedia) {
  // The shared "corrupt JPEG" is 189647 random bytes with no JPEG signature at all.
  std::string bytes =
      testing::ReadFileBytes(testing::RequireShared("data/near-duplicates/images/ukbench09268_corrupt.jpg"));
  Result<DecodedImage> decoded = Decode(bytes);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kUnsupportedMedia) << decoded.status().ToString();
}

TEST(ImageDecoderTest, TextFileNamedJpgIsUnsupportedMedia) {
  testing::TempDir dir;
  std::filesystem::path path = dir.path() / "holiday.jpg";
  std::ofstream(path) << "This is a shopping list, not a photo.\nmilk\neggs\n";
  Result<DecodedImage> decoded = Decode(testing::ReadFileBytes(path));
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kUnsupportedMedia);
  EXPECT_NE(decoded.status().message().find("JPEG, PNG, WebP, GIF, TIFF, AVIF, HEIC"), std::string::npos)
      << decoded.status().message();
}

TEST(ImageDecoderTest, FormatsLibvipsCouldOpenButWeDoNotAreUnsupported) {
  // SVG and PDF would reach librsvg/poppler through libvips' generic loader; they must not decode.
  for (std::string bytes : {std::string("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>"),
                            std::string("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")}) {
    EXPECT_EQ(Decode(bytes).status().code(), StatusCode::kUnsupportedMedia);
  }
}

TEST(ImageDecoderTest, ConcurrentDecodesGiveTheSameResultAsOneThread) {
  std::string jpeg = testing::SharedPhotoBytes();
  std::string webp = EncodeWithVips(SharedPhoto(kWidth, kHeight), ".webp");
  Result<DecodedImage> jpeg_reference = Decode(jpeg);
  Result<DecodedImage> webp_reference = Decode(webp);
  ASSERT_TRUE(jpeg_reference.ok() && webp_reference.ok());
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        const bool use_jpeg = (i + t) % 2 == 0;
        Result<DecodedImage> decoded = Decode(use_jpeg ? jpeg : webp);
        const RgbImage& expected = use_jpeg ? jpeg_reference->image : webp_reference->image;
        if (!decoded.ok() || decoded->image.pixels != expected.pixels) ++mismatches[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace iris
