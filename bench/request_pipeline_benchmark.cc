// The per-request CPU work of an image-embedding request before the model runs, stage by stage, on
// the peer comparison's image (../shared/data/debian-photos/images/aloeL.jpg, 1024x887, 312 KB):
// content hashes, header probe, full decode, and CLIP preprocessing (Pillow-exact bicubic resize,
// centre crop, normalise into a float tensor). docs/performance.md uses these to say where time goes.
#include <benchmark/benchmark.h>

#include <vector>

#include "core/hash.h"
#include "image/image_decoder.h"
#include "support/shared_data.h"
#include "vision/image_tensor.h"

namespace iris {
namespace {

const std::string& Photo() {
  static const std::string bytes =
      testing::ReadFileBytes(testing::RequireShared("data/debian-photos/images/aloeL.jpg"));
  return bytes;
}

ImagePreprocessing ClipSpec() {
  ImagePreprocessing p;
  p.width = p.height = 224;
  p.resize = ImagePreprocessing::Resize::kShortestSide;
  p.center_crop = true;
  p.mean = {0.48145466f, 0.4578275f, 0.40821073f};
  p.std = {0.26862954f, 0.26130258f, 0.27577711f};
  return p;
}

void BM_ContentHashes(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(ComputeContentHashes(Photo()));
}
BENCHMARK(BM_ContentHashes)->Unit(benchmark::kMillisecond);

void BM_ProbeHeader(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(ProbeImage(Photo(), DecodeLimits{}));
}
BENCHMARK(BM_ProbeHeader)->Unit(benchmark::kMillisecond);

void BM_DecodeFull(benchmark::State& state) {
  for (auto _ : state) {
    auto decoded = DecodeImage(Photo(), DecodeOptions{});
    if (!decoded.ok()) state.SkipWithError(decoded.status().message().c_str());
    benchmark::DoNotOptimize(decoded);
  }
}
BENCHMARK(BM_DecodeFull)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();

void BM_ClipPreprocess(benchmark::State& state) {
  auto decoded = DecodeImage(Photo(), DecodeOptions{});
  if (!decoded.ok()) {
    state.SkipWithError(decoded.status().message().c_str());
    return;
  }
  std::vector<float> tensor(3 * 224 * 224);
  const ImagePreprocessing spec = ClipSpec();
  for (auto _ : state) benchmark::DoNotOptimize(WriteImageTensor(decoded->image, spec, tensor));
}
BENCHMARK(BM_ClipPreprocess)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace iris

BENCHMARK_MAIN();
