#include "vision/image_tensor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>
#include <vips/vips8>

#include "image/image_decoder.h"
#include "image/vips_runtime.h"
#include "support/shared_data.h"

namespace iris {
namespace {

const char* kReferenceDir = "data/clip-preprocess-reference";

// Decodes with libvips the way Pillow's Image.open(...).convert("RGB") does: no EXIF rotation, no
// colour management, grey expanded to three channels.
RgbImage DecodeLikePillow(const std::filesystem::path& path) {
  if (!StartVips().ok()) throw std::runtime_error("libvips did not start");
  vips::VImage image = vips::VImage::new_from_file(path.c_str());
  image = image.colourspace(VIPS_INTERPRETATION_sRGB);
  if (image.bands() > 3) image = image.extract_band(0, vips::VImage::option()->set("n", 3));
  image = image.cast(VIPS_FORMAT_UCHAR);
  RgbImage out;
  out.width = image.width();
  out.height = image.height();
  std::size_t size = 0;
  void* data = image.write_to_memory(&size);
  out.pixels.assign(static_cast<std::uint8_t*>(data), static_cast<std::uint8_t*>(data) + size);
  g_free(data);
  return out;
}

std::vector<float> ReadFloats(const std::filesystem::path& path) {
  const std::string bytes = testing::ReadFileBytes(path);
  std::vector<float> out(bytes.size() / sizeof(float));
  std::memcpy(out.data(), bytes.data(), out.size() * sizeof(float));
  return out;
}

struct Difference {
  double mean_abs = 0;
  double p99_abs = 0;
  double max_abs = 0;
};

Difference Compare(const std::vector<float>& a, const std::vector<float>& b) {
  std::vector<double> diff(a.size());
  double sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff[i] = std::fabs(static_cast<double>(a[i]) - b[i]);
    sum += diff[i];
  }
  std::sort(diff.begin(), diff.end());
  return {sum / diff.size(), diff[static_cast<std::size_t>(0.99 * (diff.size() - 1))], diff.back()};
}

// The CLIP catalog entry, with mean/std as the reference manifest states them.
ImagePreprocessing ClipSpec(const nlohmann::json& manifest) {
  const nlohmann::json json = {{"input_size", {224, 224}},  {"resize", "shortest_side"}, {"filter", "bicubic"},
                               {"antialias", true},         {"crop", "center"},          {"mean", manifest.at("mean")},
                               {"std", manifest.at("std")}, {"channel_order", "rgb"},    {"value_range", "0-1"}};
  Result<ImagePreprocessing> spec = ImagePreprocessingFromJson(json);
  if (!spec.ok()) throw std::runtime_error(spec.status().ToString());
  return *spec;
}

TEST(ImageTensorTest, MatchesPillowClipReference) {
  const auto dir = testing::RequireShared(kReferenceDir);
  const nlohmann::json manifest = nlohmann::json::parse(testing::ReadFileBytes(dir / "manifest.json"));
  const ImagePreprocessing spec = ClipSpec(manifest);
  ASSERT_EQ(manifest.at("images").size(), 8u);

  std::printf("\n| image | size | MAE | p99 | max | MAE, DecodeImage | p99 | MAE, shrink-on-load | p99 | max |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
  for (const auto& entry : manifest.at("images")) {
    const std::string name = entry.at("image");
    SCOPED_TRACE(name);
    const std::vector<float> expected = ReadFloats(dir / entry.at("tensor").get<std::string>());
    ASSERT_EQ(expected.size(), 3u * 224 * 224);

    const RgbImage pixels = DecodeLikePillow(testing::RequireShared("data/" + name));
    ASSERT_EQ(pixels.width, entry.at("original_size")[0].get<int>());
    ASSERT_EQ(pixels.height, entry.at("original_size")[1].get<int>());
    std::vector<float> tensor(expected.size());
    Result<TensorPlacement> placement = WriteImageTensor(pixels, spec, tensor);
    ASSERT_TRUE(placement.ok()) << placement.status().ToString();
    const Difference d = Compare(tensor, expected);

    // The production decoder (EXIF orientation, ICC to sRGB) for comparison.
    Result<DecodedImage> decoded =
        DecodeImage(testing::ReadFileBytes(testing::RequireShared("data/" + name)), DecodeOptions{});
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    std::vector<float> tensor2(expected.size());
    ASSERT_TRUE(WriteImageTensor(decoded->image, spec, tensor2).ok());
    const Difference d2 = Compare(tensor2, expected);

    // Shrink-on-load (JPEG DCT scaling when the image is >= 2x the size needed): faster, not exact.
    DecodeOptions shrink;
    shrink.min_side = 224;
    Result<DecodedImage> small = DecodeImage(testing::ReadFileBytes(testing::RequireShared("data/" + name)), shrink);
    ASSERT_TRUE(small.ok()) << small.status().ToString();
    std::vector<float> tensor3(expected.size());
    ASSERT_TRUE(WriteImageTensor(small->image, spec, tensor3).ok());
    const Difference d3 = Compare(tensor3, expected);

    std::printf("| %s | %dx%d | %.3g | %.3g | %.3g | %.3g | %.3g | %.3g | %.3g | %.3g |\n", name.c_str(), pixels.width,
                pixels.height, d.mean_abs, d.p99_abs, d.max_abs, d2.mean_abs, d2.p99_abs, d3.mean_abs, d3.p99_abs,
                d3.max_abs);
    EXPECT_LE(d.mean_abs, 0.02);
    EXPECT_LE(d.p99_abs, 0.1);
    EXPECT_LE(d2.mean_abs, 0.02);
    EXPECT_LE(d2.p99_abs, 0.1);
  }
}

TEST(ImageTensorTest, ShortestSidePlacementMapsSourceToTensor) {
  RgbImage image;
  image.width = 451;
  image.height = 300;
  image.pixels.assign(451 * 300 * 3, 200);
  ImagePreprocessing spec;
  spec.width = spec.height = 224;
  spec.resize = ImagePreprocessing::Resize::kShortestSide;
  std::vector<float> out(3 * 224 * 224);
  Result<TensorPlacement> p = WriteImageTensor(image, spec, out);
  ASSERT_TRUE(p.ok());
  EXPECT_DOUBLE_EQ(p->scale_x, 336.0 / 451);  // resized to 336x224 ...
  EXPECT_DOUBLE_EQ(p->scale_y, 224.0 / 300);
  EXPECT_DOUBLE_EQ(p->offset_x, -56);  // ... then cropped at x = 56
  EXPECT_DOUBLE_EQ(p->offset_y, 0);
  EXPECT_FLOAT_EQ(out[0], 200.0f / 255.0f);
}

TEST(ImageTensorTest, LetterboxPadsAndReportsPlacement) {
  RgbImage image;
  image.width = 200;
  image.height = 100;
  image.pixels.resize(200 * 100 * 3);
  for (std::size_t i = 0; i < image.pixels.size(); i += 3) image.pixels[i] = 255;  // pure red
  ImagePreprocessing spec;
  spec.width = spec.height = 64;
  spec.resize = ImagePreprocessing::Resize::kLetterbox;
  spec.scale = 1.0f;
  spec.pad_value = 114;
  spec.bgr = true;
  std::vector<float> out(3 * 64 * 64);
  Result<TensorPlacement> p = WriteImageTensor(image, spec, out);
  ASSERT_TRUE(p.ok());
  EXPECT_DOUBLE_EQ(p->scale_x, 0.32);
  EXPECT_DOUBLE_EQ(p->offset_x, 0);
  EXPECT_DOUBLE_EQ(p->offset_y, 16);  // 64x32 image centred vertically
  const int plane = 64 * 64;
  auto at = [&](int c, int x, int y) { return out[c * plane + y * 64 + x]; };
  EXPECT_FLOAT_EQ(at(0, 10, 5), 114);  // padding, every channel
  EXPECT_FLOAT_EQ(at(2, 10, 60), 114);
  EXPECT_FLOAT_EQ(at(2, 10, 30), 255);  // BGR: red is the last channel
  EXPECT_FLOAT_EQ(at(0, 10, 30), 0);

  spec.letterbox_placement = LetterboxPlacement::kTopLeft;
  p = WriteImageTensor(image, spec, out);
  ASSERT_TRUE(p.ok());
  EXPECT_DOUBLE_EQ(p->offset_y, 0);
  EXPECT_FLOAT_EQ(at(2, 10, 5), 255);
  EXPECT_FLOAT_EQ(at(2, 10, 40), 114);
}

TEST(ImageTensorTest, FillsOneSlotOfABatchBufferInPlace) {
  RgbImage a;
  a.width = 40;
  a.height = 30;
  a.pixels.resize(40 * 30 * 3);
  for (std::size_t i = 0; i < a.pixels.size(); ++i) a.pixels[i] = static_cast<std::uint8_t>(i * 7);
  ImagePreprocessing spec;
  spec.width = 16;
  spec.height = 16;
  spec.mean = {0.5f, 0.4f, 0.3f};
  spec.std = {0.2f, 0.25f, 0.3f};
  const std::size_t slot = 3 * 16 * 16;
  std::vector<float> batch(2 * slot, -99.0f);
  ASSERT_TRUE(WriteImageTensor(a, spec, std::span<float>(batch).subspan(slot, slot)).ok());
  std::vector<float> single(slot);
  ASSERT_TRUE(WriteImageTensor(a, spec, single).ok());
  EXPECT_TRUE(std::all_of(batch.begin(), batch.begin() + slot, [](float v) { return v == -99.0f; }));
  EXPECT_TRUE(std::equal(single.begin(), single.end(), batch.begin() + slot));
  EXPECT_EQ(WriteImageTensor(a, spec, std::span<float>(batch)).status().code(), StatusCode::kInvalidArgument);
}

TEST(ImageTensorTest, PreprocessingFromJson) {
  Result<ImagePreprocessing> yolox = ImagePreprocessingFromJson(nlohmann::json{{"input_size", {416, 416}},
                                                                               {"resize", "letterbox"},
                                                                               {"letterbox_anchor", "top_left"},
                                                                               {"filter", "bilinear"},
                                                                               {"antialias", false},
                                                                               {"channel_order", "bgr"},
                                                                               {"value_range", "0-255"},
                                                                               {"pad_value", 114}});
  ASSERT_TRUE(yolox.ok()) << yolox.status().ToString();
  EXPECT_EQ(yolox->width, 416);
  EXPECT_EQ(yolox->resize, ImagePreprocessing::Resize::kLetterbox);
  EXPECT_EQ(yolox->letterbox_placement, LetterboxPlacement::kTopLeft);
  EXPECT_EQ(yolox->filter, ImagePreprocessing::Filter::kBilinear);
  EXPECT_FALSE(yolox->antialias);
  EXPECT_FALSE(yolox->center_crop);
  EXPECT_TRUE(yolox->bgr);
  EXPECT_EQ(yolox->scale, 1.0f);
  EXPECT_EQ(yolox->pad_value, 114);
  EXPECT_EQ(yolox->std[1], 1.0f);

  Result<ImagePreprocessing> clip =
      ImagePreprocessingFromJson(nlohmann::json{{"input_size", {224, 224}}, {"resize", "shortest_side"}});
  ASSERT_TRUE(clip.ok());
  EXPECT_TRUE(clip->center_crop);
  EXPECT_EQ(clip->scale, 1.0f / 255.0f);

  auto code = [](const nlohmann::json& j) { return ImagePreprocessingFromJson(j).status().code(); };
  EXPECT_EQ(code(nlohmann::json{{"resize", "stretch"}}), StatusCode::kUnprocessable);  // no input_size
  EXPECT_EQ(code(nlohmann::json{{"input_size", {224, 224}}, {"resise", "stretch"}}), StatusCode::kUnprocessable);
  EXPECT_EQ(code(nlohmann::json{{"input_size", {224, 224}}, {"resize", "fit"}}), StatusCode::kUnprocessable);
  EXPECT_EQ(code(nlohmann::json{{"input_size", {224, 224}}, {"std", {1, 0, 1}}}), StatusCode::kUnprocessable);
  EXPECT_EQ(code(nlohmann::json{{"input_size", {224, 224}}, {"mean", {1, 2}}}), StatusCode::kUnprocessable);
  EXPECT_EQ(code(nlohmann::json{{"input_size", {0, 224}}}), StatusCode::kUnprocessable);
  EXPECT_EQ(code(nlohmann::json{{"input_size", {224, 224}}, {"pad_value", 300}}), StatusCode::kUnprocessable);
  EXPECT_EQ(code(nlohmann::json{{"input_size", {224, 224}}, {"resize", "shortest_side"}, {"crop", "none"}}),
            StatusCode::kUnprocessable);
  EXPECT_EQ(code(nlohmann::json::array()), StatusCode::kUnprocessable);
}

TEST(ImageTensorTest, DecodeMinSideKeepsFourTimesTheLargerInputSide) {
  ImagePreprocessing clip;
  clip.width = 224;
  clip.height = 224;
  EXPECT_EQ(DecodeMinSide(clip), 896);
  ImagePreprocessing wide;
  wide.width = 640;
  wide.height = 480;
  EXPECT_EQ(DecodeMinSide(wide), 2560);
}

}  // namespace
}  // namespace iris
