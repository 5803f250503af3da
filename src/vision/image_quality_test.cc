#include "vision/image_quality.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "image/image_decoder.h"
#include "image/resample.h"
#include "support/shared_data.h"

namespace iris {
namespace {

RgbImage DecodeShared(const std::string& relative) {
  Result<DecodedImage> decoded = DecodeImage(testing::ReadFileBytes(testing::RequireShared(relative)), {});
  EXPECT_TRUE(decoded.ok()) << relative << ": " << decoded.status().ToString();
  return decoded.ok() ? decoded->image : RgbImage{};
}

// `count` clothing photos spread evenly over labels.csv.
std::vector<RgbImage> ClothingPhotos(std::size_t count) {
  std::ifstream in(testing::RequireShared("data/clothing-cc0/labels.csv"));
  std::string line;
  std::getline(in, line);
  std::vector<std::string> files;
  while (std::getline(in, line)) files.push_back(line.substr(0, line.find(',')));
  std::vector<RgbImage> out;
  for (std::size_t i = 0; i < count; ++i)
    out.push_back(DecodeShared("data/clothing-cc0/" + files[i * files.size() / count]));
  return out;
}

ImageQuality Assess(const RgbImage& image) {
  Result<ImageQuality> q = AssessImageQuality(image);
  EXPECT_TRUE(q.ok()) << q.status().ToString();
  return q.ok() ? *q : ImageQuality{};
}

// v' = clamp(v * gain + offset)
RgbImage Linear(const RgbImage& image, double gain, double offset) {
  RgbImage out = image;
  for (std::uint8_t& v : out.pixels)
    v = static_cast<std::uint8_t>(std::clamp(std::lround(v * gain + offset), 0l, 255l));
  return out;
}

RgbImage GaussianBlur(const RgbImage& image, double sigma) {
  const int radius = static_cast<int>(std::ceil(3 * sigma));
  std::vector<double> kernel(2 * radius + 1);
  double total = 0;
  for (int i = -radius; i <= radius; ++i) total += kernel[i + radius] = std::exp(-i * i / (2 * sigma * sigma));
  auto pass = [&](const RgbImage& in, bool horizontal) {
    RgbImage out = in;
    for (int y = 0; y < in.height; ++y) {
      for (int x = 0; x < in.width; ++x) {
        for (int c = 0; c < 3; ++c) {
          double sum = 0;
          for (int i = -radius; i <= radius; ++i) {
            const int sx = horizontal ? std::clamp(x + i, 0, in.width - 1) : x;
            const int sy = horizontal ? y : std::clamp(y + i, 0, in.height - 1);
            sum += kernel[i + radius] * in.row(sy)[3 * sx + c];
          }
          out.row(y)[3 * x + c] = static_cast<std::uint8_t>(std::clamp(std::lround(sum / total), 0l, 255l));
        }
      }
    }
    return out;
  };
  return pass(pass(image, true), false);
}

// Adds Gaussian noise (Box-Muller over a SplitMix64 stream) to every channel value.
RgbImage AddNoise(const RgbImage& image, double sigma, std::uint64_t seed) {
  RgbImage out = image;
  std::uint64_t state = seed;
  auto uniform = [&state] {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (static_cast<double>((z ^ (z >> 31)) >> 11) + 0.5) * 0x1.0p-53;
  };
  for (std::uint8_t& v : out.pixels) {
    const double gauss = std::sqrt(-2 * std::log(uniform())) * std::cos(2 * 3.141592653589793 * uniform());
    v = static_cast<std::uint8_t>(std::clamp(std::lround(v + sigma * gauss), 0l, 255l));
  }
  return out;
}

bool HasIssueContaining(const ImageQuality& q, const std::string& text) {
  return std::any_of(q.issues.begin(), q.issues.end(),
                     [&text](const std::string& issue) { return issue.find(text) != std::string::npos; });
}

TEST(ImageQualityTest, RealPhotosReportConsistentMeasures) {
  const RgbImage photo = DecodeShared("data/debian-photos/images/coffee.jpg");
  const ImageQuality q = Assess(photo);
  EXPECT_EQ(q.width, 600);
  EXPECT_EQ(q.height, 400);
  EXPECT_NEAR(q.megapixels, 0.24, 1e-9);
  EXPECT_GT(q.brightness, 0.1);
  EXPECT_LT(q.brightness, 0.9);
  EXPECT_GT(q.contrast, 0.05);
  EXPECT_GT(q.sharpness, quality_thresholds::kSoftMinSharpness);
  EXPECT_EQ(q.exposure, "ok");
  EXPECT_NEAR(q.metered_brightness, 0.5 * q.brightness + 0.5 * q.center_brightness, 1e-12);
  EXPECT_EQ(q.grade == 'A', q.issues.empty());
  // Most real clothing photos get A or B (measured: 224 A, 140 B, 8 C of 372).
  int a_or_b = 0;
  const std::vector<RgbImage> photos = ClothingPhotos(20);
  for (const RgbImage& p : photos) a_or_b += Assess(p).grade != 'C';
  EXPECT_GE(a_or_b, 17);
}

TEST(ImageQualityTest, BlurLowersSharpnessAndGrade) {
  for (const RgbImage& photo : ClothingPhotos(10)) {
    const ImageQuality original = Assess(photo);
    const ImageQuality blurred = Assess(GaussianBlur(photo, 2.0));
    EXPECT_LT(blurred.sharpness, original.sharpness * 0.5);
    EXPECT_GE(blurred.grade, original.grade);  // 'A' < 'B' < 'C'
    EXPECT_TRUE(HasIssueContaining(blurred, "blurry")) << blurred.sharpness;
  }
}

TEST(ImageQualityTest, DarkenedCopyIsUnderexposed) {
  for (const RgbImage& photo : ClothingPhotos(10)) {
    const ImageQuality original = Assess(photo);
    const ImageQuality dark = Assess(Linear(photo, 0.25, 0));
    EXPECT_EQ(original.exposure, "ok");
    EXPECT_EQ(dark.exposure, "under") << dark.metered_brightness;
    EXPECT_LT(dark.brightness, original.brightness);
    EXPECT_GE(dark.grade, original.grade);
    EXPECT_TRUE(HasIssueContaining(dark, "underexposed"));
  }
}

TEST(ImageQualityTest, BlownOutCopyIsOverexposed) {
  const ImageQuality q = Assess(Linear(DecodeShared("data/debian-photos/images/coffee.jpg"), 2.5, 60));
  EXPECT_EQ(q.exposure, "over");
  EXPECT_GT(q.clipped_bright, 0.25);
  EXPECT_TRUE(HasIssueContaining(q, "overexposed"));
}

TEST(ImageQualityTest, PlainBackdropIsNotAnExposureProblem) {
  // A photo in the middle of a white (packshot) or black canvas: the centre-weighted meter sees the subject.
  const RgbImage photo = DecodeShared("data/debian-photos/images/coffee.jpg");
  for (std::uint8_t level : {0, 255}) {
    RgbImage canvas{photo.width * 2, photo.height * 2, {}};
    canvas.pixels.assign(canvas.stride() * canvas.height, level);
    for (int y = 0; y < photo.height; ++y) {
      std::copy_n(photo.row(y), photo.stride(), canvas.row(photo.height / 2 + y) + 3 * (photo.width / 2));
    }
    const ImageQuality q = Assess(canvas);
    EXPECT_EQ(q.exposure, "ok") << int(level);
    EXPECT_GT(level == 0 ? q.clipped_dark : q.clipped_bright, 0.7);
  }
}

TEST(ImageQualityTest, NoisyCopyHasHigherNoise) {
  for (const RgbImage& photo : ClothingPhotos(10)) {
    const ImageQuality original = Assess(photo);
    const ImageQuality noisy = Assess(AddNoise(photo, 8, 42));
    const ImageQuality very_noisy = Assess(AddNoise(photo, 20, 42));
    EXPECT_GT(noisy.noise, original.noise + 2);
    EXPECT_GT(very_noisy.noise, noisy.noise + 4);
    EXPECT_GE(very_noisy.grade, original.grade);
    EXPECT_TRUE(HasIssueContaining(very_noisy, "noisy"));
  }
}

TEST(ImageQualityTest, NoiseEstimateRecoversAddedNoiseOnAFlatImage) {
  RgbImage flat{400, 300, {}};
  flat.pixels.assign(flat.stride() * flat.height, 128);
  EXPECT_EQ(Assess(flat).noise, 0);
  EXPECT_EQ(Assess(flat).sharpness, 0);
  EXPECT_EQ(Assess(flat).contrast, 0);
  // Equal noise sigma s on R, G, B: luma noise s * sqrt(0.299^2 + 0.587^2 + 0.114^2) = 0.668 s.
  const ImageQuality noisy = Assess(AddNoise(flat, 10, 1));
  EXPECT_NEAR(noisy.noise, 6.68, 0.6);
}

TEST(ImageQualityTest, TinyImageGetsCForResolution) {
  const RgbImage photo = DecodeShared("data/debian-photos/images/coffee.jpg");
  Result<RgbImage> tiny = Resize(photo, 150, 100);
  ASSERT_TRUE(tiny.ok());
  const ImageQuality q = Assess(*tiny);
  EXPECT_EQ(q.grade, 'C');
  EXPECT_TRUE(HasIssueContaining(q, "resolution")) << (q.issues.empty() ? "" : q.issues[0]);

  RgbImage one{1, 1, {10, 20, 30}};
  const ImageQuality single = Assess(one);
  EXPECT_EQ(single.grade, 'C');
  EXPECT_EQ(single.sharpness, 0);
  EXPECT_EQ(single.noise, 0);
  EXPECT_TRUE(HasIssueContaining(single, "resolution"));
  RgbImage thin{3, 100, std::vector<std::uint8_t>(900, 77)};
  EXPECT_TRUE(AssessImageQuality(thin).ok());
}

TEST(ImageQualityTest, RejectsInvalidImages) {
  EXPECT_EQ(AssessImageQuality(RgbImage{}).status().code(), StatusCode::kInvalidArgument);
  RgbImage bad{10, 10, std::vector<std::uint8_t>(299, 0)};
  EXPECT_EQ(AssessImageQuality(bad).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace iris
