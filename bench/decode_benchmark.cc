// Decode cost of a large photo for a model that needs 224 px: full decode vs shrink-on-load, each
// followed by the same final resize to shortest side 224.
//
// The input is made at start from a real photo (../shared/data/debian-photos/images/aerial1.jpg,
// 640x480) upscaled with libvips to 4000x3000 and saved as JPEG quality 90 (~12 MP, a phone photo).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vips/vips8>

#include "image/image_decoder.h"
#include "image/image_geometry.h"
#include "image/vips_runtime.h"
#include "support/shared_data.h"

namespace iris {
namespace {

constexpr int kModelSide = 224;

const std::string& LargeJpeg() {
  static const std::string bytes = [] {
    if (!StartVips().ok()) throw std::runtime_error("libvips did not start");
    std::string photo_bytes = testing::ReadFileBytes(testing::RequireShared("data/debian-photos/images/aerial1.jpg"));
    VipsBlob* photo_blob = vips_blob_new(nullptr, photo_bytes.data(), photo_bytes.size());
    vips::VImage photo = vips::VImage::jpegload_buffer(photo_blob);
    vips::VImage large =
        photo.resize(4000.0 / photo.width(), vips::VImage::option()->set("vscale", 3000.0 / photo.height()));
    VipsBlob* blob = large.jpegsave_buffer(vips::VImage::option()->set("Q", 90));
    vips_area_unref(VIPS_AREA(photo_blob));
    std::size_t length = 0;
    const void* data = vips_blob_get(blob, &length);
    std::string jpeg(static_cast<const char*>(data), length);
    vips_area_unref(VIPS_AREA(blob));
    return jpeg;
  }();
  return bytes;
}

// Resize so the shorter side is kModelSide, as a CLIP-style preprocessor's first step would.
RgbImage ResizeShortestSide(const RgbImage& image) {
  double scale = static_cast<double>(kModelSide) / std::min(image.width, image.height);
  int width = std::max(kModelSide, static_cast<int>(std::lround(image.width * scale)));
  int height = std::max(kModelSide, static_cast<int>(std::lround(image.height * scale)));
  Result<RgbImage> resized = ResizeBilinear(image, width, height);
  if (!resized.ok()) throw std::runtime_error(resized.status().ToString());
  return std::move(resized).value();
}

void RunDecode(benchmark::State& state, int min_side) {
  const std::string& jpeg = LargeJpeg();
  DecodeOptions options;
  options.min_side = min_side;
  int decoded_width = 0;
  for (auto _ : state) {
    Result<DecodedImage> decoded = DecodeImage(jpeg, options);
    if (!decoded.ok()) {
      state.SkipWithError(decoded.status().ToString().c_str());
      return;
    }
    decoded_width = decoded->image.width;
    RgbImage model_input = ResizeShortestSide(decoded->image);
    benchmark::DoNotOptimize(model_input.pixels.data());
  }
  state.counters["jpeg_bytes"] = static_cast<double>(jpeg.size());
  state.counters["decoded_width"] = decoded_width;
}

void BM_FullDecodeThenResize224(benchmark::State& state) { RunDecode(state, 0); }
void BM_ShrinkOnLoadThenResize224(benchmark::State& state) { RunDecode(state, kModelSide); }

// libvips computes pixels on its own worker thread, so CPU time is measured for the whole process.
BENCHMARK(BM_FullDecodeThenResize224)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();
BENCHMARK(BM_ShrinkOnLoadThenResize224)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();

}  // namespace
}  // namespace iris

BENCHMARK_MAIN();
