#include "image/resample.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <string>

namespace iris {
namespace {

// Deterministic noise (a 32-bit LCG, top byte): worst case for a resampler, since every pixel
// differs and bicubic overshoot hits the 0/255 clipping often.
RgbImage NoiseImage(int width, int height) {
  RgbImage image;
  image.width = width;
  image.height = height;
  image.pixels.resize(static_cast<std::size_t>(width) * height * 3);
  std::uint32_t state = static_cast<std::uint32_t>(width * 1000 + height);
  for (auto& p : image.pixels) {
    state = state * 1664525u + 1013904223u;
    p = static_cast<std::uint8_t>(state >> 24);
  }
  return image;
}

// This process's peak resident memory so far (VmHWM), in KiB; 0 where /proc is not available.
std::int64_t PeakRssKib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6));
  }
  return 0;
}

std::uint64_t Fnv1a64(const std::vector<std::uint8_t>& bytes) {
  std::uint64_t hash = 0xcbf29ce484222325ull;
  for (std::uint8_t b : bytes) {
    hash ^= b;
    hash *= 0x100000001b3ull;
  }
  return hash;
}

struct PillowCase {
  int src_w, src_h, dst_w, dst_h;
  ResampleFilter filter;
  std::uint64_t fnv1a64;
};

// Expected hashes produced once, offline, with Pillow 9.4.0 (/usr/bin/python3):
//   Image.frombytes("RGB", (w, h), <the same LCG bytes as NoiseImage>).resize((dw, dh), FILTER).tobytes()
// hashed with FNV-1a 64. Any single differing byte changes the hash.
constexpr PillowCase kPillowCases[] = {
    {97, 61, 23, 17, ResampleFilter::kBicubic, 0x5784ebb77606782dull},  // shrink ~4x
    {13, 11, 40, 29, ResampleFilter::kBicubic, 0xc86157147787dfbfull},  // enlarge ~3x
    {97, 61, 97, 30, ResampleFilter::kBicubic, 0x2eb07314b54d10d8ull},  // vertical pass only
    {97, 61, 50, 61, ResampleFilter::kBicubic, 0xc231a0ce3a64e9e0ull},  // horizontal pass only
    {97, 61, 23, 17, ResampleFilter::kBilinear, 0xe7bfd58cbc84ff01ull},
    {13, 11, 40, 29, ResampleFilter::kBilinear, 0x8de85cd8bb6840d7ull},
    {97, 61, 23, 17, ResampleFilter::kNearest, 0x85544344678c8e69ull},
    {13, 11, 40, 29, ResampleFilter::kNearest, 0x9dd8a346754102e4ull},
    {300, 200, 7, 5, ResampleFilter::kBicubic, 0x9c4d77bd2a65c85dull},  // shrink ~40x, wide kernel
    {64, 48, 63, 47, ResampleFilter::kBicubic, 0x87a1e02972c63934ull},  // shrink by one pixel
};

TEST(ResampleTest, MatchesPillowByteForByte) {
  for (const PillowCase& c : kPillowCases) {
    SCOPED_TRACE(testing::Message() << c.src_w << "x" << c.src_h << " -> " << c.dst_w << "x" << c.dst_h << " filter "
                                    << static_cast<int>(c.filter));
    Result<RgbImage> out = Resize(NoiseImage(c.src_w, c.src_h), c.dst_w, c.dst_h, {c.filter, true});
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    EXPECT_EQ(out->width, c.dst_w);
    EXPECT_EQ(out->height, c.dst_h);
    EXPECT_EQ(Fnv1a64(out->pixels), c.fnv1a64);
  }
}

TEST(ResampleTest, ResizeCropEqualsCropOfResize) {
  const RgbImage src = NoiseImage(211, 157);
  for (ResampleFilter filter : {ResampleFilter::kBicubic, ResampleFilter::kBilinear, ResampleFilter::kNearest}) {
    for (bool antialias : {true, false}) {
      const PixelBox box{9, 5, 49, 36};
      Result<RgbImage> full = Resize(src, 71, 53, {filter, antialias});
      ASSERT_TRUE(full.ok());
      Result<RgbImage> cropped = CropZeroPadded(*full, box);
      ASSERT_TRUE(cropped.ok());
      Result<RgbImage> direct = ResizeCrop(src, 71, 53, box, {filter, antialias});
      ASSERT_TRUE(direct.ok());
      EXPECT_EQ(direct->pixels, cropped->pixels) << "filter " << static_cast<int>(filter) << " aa " << antialias;
    }
  }
}

TEST(ResampleTest, ResizeCropOfAnElongatedImageEqualsCropOfResize) {
  // The shortest-side-then-centre-crop shape of CLIP preprocessing on very tall and very wide
  // images: most of the resized image is cropped away.
  for (auto [w, h] : {std::pair{3, 211}, std::pair{211, 3}, std::pair{1, 97}, std::pair{97, 1}}) {
    const RgbImage src = NoiseImage(w, h);
    const PixelSize resized = ShortestSideSize(w, h, 24);
    const PixelBox box = CenterCropBox(resized.width, resized.height, 24, 24);
    for (ResampleFilter filter : {ResampleFilter::kBicubic, ResampleFilter::kBilinear, ResampleFilter::kNearest}) {
      for (bool antialias : {true, false}) {
        SCOPED_TRACE(testing::Message() << w << "x" << h << " filter " << static_cast<int>(filter) << " aa "
                                        << antialias);
        Result<RgbImage> full = Resize(src, resized.width, resized.height, {filter, antialias});
        ASSERT_TRUE(full.ok()) << full.status().ToString();
        Result<RgbImage> cropped = CropZeroPadded(*full, box);
        ASSERT_TRUE(cropped.ok());
        Result<RgbImage> direct = ResizeCrop(src, resized.width, resized.height, box, {filter, antialias});
        ASSERT_TRUE(direct.ok()) << direct.status().ToString();
        EXPECT_EQ(direct->pixels, cropped->pixels);
      }
    }
  }
}

TEST(ResampleTest, ResizeCropWorkIsBoundedByTheKeptBox) {
  // 1x200,000 resized to 224x44,800,000 and centre-cropped to 224x224: coefficient tables for
  // every resized row would take about 1.25 GB; only the kept rows may be computed. The source is
  // noise except a band around the middle, dark above row 100,000 and light from it on, which the
  // crop straddles.
  RgbImage src = NoiseImage(1, 200'000);
  for (int y = 99'000; y < 101'000; ++y) {
    const std::uint8_t value = y < 100'000 ? 40 : 200;
    for (int c = 0; c < 3; ++c) src.row(y)[c] = value;
  }
  const PixelSize resized = ShortestSideSize(src.width, src.height, 224);
  ASSERT_EQ(resized.width, 224);
  ASSERT_EQ(resized.height, 44'800'000);
  const PixelBox box = CenterCropBox(resized.width, resized.height, 224, 224);
  const std::int64_t peak_before = PeakRssKib();
  for (ResampleFilter filter : {ResampleFilter::kBicubic, ResampleFilter::kBilinear, ResampleFilter::kNearest}) {
    SCOPED_TRACE(testing::Message() << "filter " << static_cast<int>(filter));
    Result<RgbImage> out = ResizeCrop(src, resized.width, resized.height, box, {filter, true});
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ASSERT_EQ(out->width, 224);
    ASSERT_EQ(out->height, 224);
    for (int y = 0; y < out->height; ++y) {  // a one-pixel-wide source gives constant rows
      for (int x = 1; x < out->width; ++x) ASSERT_EQ(out->row(y)[3 * x], out->row(y)[0]) << y << "," << x;
    }
    EXPECT_EQ(out->row(0)[0], 40);     // rows of the dark half of the band...
    EXPECT_EQ(out->row(223)[0], 200);  // ...and of the light half
  }
  if (peak_before > 0) {
    EXPECT_LT(PeakRssKib() - peak_before, 64 * 1024) << "KiB more peak memory";
  }
}

TEST(ResampleTest, AntialiasOffNarrowsTheKernelWhenShrinking) {
  const RgbImage src = NoiseImage(200, 200);
  Result<RgbImage> smooth = Resize(src, 20, 20, {ResampleFilter::kBilinear, true});
  Result<RgbImage> sharp = Resize(src, 20, 20, {ResampleFilter::kBilinear, false});
  ASSERT_TRUE(smooth.ok() && sharp.ok());
  // Averaging ~20x20 noise pixels pulls every value towards 127.5; point sampling does not.
  auto spread = [](const RgbImage& img) {
    double s = 0;
    for (std::uint8_t p : img.pixels) s += (p - 127.5) * (p - 127.5);
    return s / img.pixels.size();
  };
  EXPECT_LT(spread(*smooth), 0.25 * spread(*sharp));
}

TEST(ResampleTest, SameSizeIsAnExactCopy) {
  const RgbImage src = NoiseImage(31, 17);
  Result<RgbImage> out = Resize(src, 31, 17);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->pixels, src.pixels);
}

TEST(ResampleTest, ConstantImageStaysConstant) {
  for (std::uint8_t value : {0, 1, 128, 254, 255}) {
    RgbImage src;
    src.width = 123;
    src.height = 77;
    src.pixels.assign(123 * 77 * 3, value);
    for (auto [w, h] : {std::pair{17, 9}, std::pair{300, 200}, std::pair{123, 5}}) {
      Result<RgbImage> out = Resize(src, w, h);
      ASSERT_TRUE(out.ok());
      for (std::uint8_t p : out->pixels) ASSERT_EQ(p, value) << w << "x" << h;
    }
  }
}

TEST(ResampleTest, CenterCropBoxRoundsHalfToEvenLikePython) {
  // Python: int(round(33 / 2)) == 16, int(round(35 / 2)) == 18.
  EXPECT_EQ(CenterCropBox(257, 224, 224, 224).x0, 16);
  EXPECT_EQ(CenterCropBox(259, 224, 224, 224).x0, 18);
  EXPECT_EQ(CenterCropBox(224, 298, 224, 224).y0, 37);
  EXPECT_EQ(CenterCropBox(258, 224, 224, 224).x0, 17);
  EXPECT_EQ(CenterCropBox(224, 224, 224, 224).x0, 0);
  EXPECT_EQ(CenterCropBox(200, 200, 224, 224).x0, -12);  // larger than the image: negative offset
}

TEST(ResampleTest, CenterCropCopiesTheMiddleAndFillsOutsideWithBlack) {
  const RgbImage src = NoiseImage(10, 6);
  Result<RgbImage> mid = CenterCrop(src, 4, 2);
  ASSERT_TRUE(mid.ok());
  EXPECT_EQ(mid->pixels[0], src.row(2)[3 * 3]);
  Result<RgbImage> big = CenterCrop(src, 12, 6);
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->row(0)[0], 0);              // column -1: outside
  EXPECT_EQ(big->row(0)[3], src.row(0)[0]);  // column 0
  EXPECT_EQ(big->row(5)[3 * 11], 0);         // column 10: outside
}

TEST(ResampleTest, ShortestSideSizeTruncatesTheLongSide) {
  auto check = [](int w, int h, int ew, int eh) {
    PixelSize s = ShortestSideSize(w, h, 224);
    EXPECT_EQ(s.width, ew) << w << "x" << h;
    EXPECT_EQ(s.height, eh) << w << "x" << h;
  };
  check(512, 512, 224, 224);
  check(451, 300, 336, 224);  // 224 * 451 / 300 = 336.75
  check(300, 451, 224, 336);
  check(1024, 887, 258, 224);  // 258.59
  check(1000, 872, 256, 224);
}

TEST(ResampleTest, RejectsInvalidArguments) {
  const RgbImage src = NoiseImage(8, 8);
  EXPECT_EQ(Resize(RgbImage{}, 4, 4).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Resize(src, 0, 4).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ResizeCrop(src, 4, 4, PixelBox{2, 2, 6, 6}).status().code(), StatusCode::kInvalidArgument);
  RgbImage broken = src;
  broken.pixels.pop_back();
  EXPECT_EQ(Resize(broken, 4, 4).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace iris
