// Bare ONNX Runtime session time (OnnxSession::Run, no preprocessing) and the dynamic batcher's
// own overhead.
//   BM_ClipTinyVision/batch/intra_threads: shared/models/clip-standin-tiny/vision_model.onnx.
//   BM_VitB32/batch/arena: a full-size ViT-B/32 vision tower with random weights, made outside
//     the repo by `python3 ../shared/tools/make_models.py bench /tmp/bench-models` (IRIS_BENCH_MODELS
//     overrides /tmp/bench-models); intra-op threads 2. Reports rss_mb (process VmRSS after the
//     runs): run one arena setting per process (--benchmark_filter) to compare memory.
//   BM_BatcherOverhead: Submit + get through a DynamicBatcher whose batch function returns its
//     input (no delay), i.e. the queue/thread hand-off cost per request.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <string>

#include "runtime/dynamic_batcher.h"
#include "runtime/onnx_session.h"
#include "support/shared_data.h"

namespace iris {
namespace {

Tensor RandomImages(int count) {
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> values(static_cast<std::size_t>(count) * 3 * 224 * 224);
  for (float& v : values) v = normal(rng);
  return *Tensor::FromFloats({count, 3, 224, 224}, values);
}

double RssMegabytes() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      double kb = 0;
      status >> kb;
      return kb / 1024.0;
    }
  }
  return 0;
}

void RunSession(benchmark::State& state, const std::filesystem::path& model, const RuntimeConfig& config) {
  Result<std::unique_ptr<OnnxSession>> session = OnnxSession::Load(model, config);
  if (!session.ok()) {
    state.SkipWithError(session.status().ToString().c_str());
    return;
  }
  const int batch = static_cast<int>(state.range(0));
  std::vector<Tensor> inputs = {RandomImages(batch)};
  for (auto _ : state) {
    Result<std::vector<Tensor>> out = (*session)->Run(inputs);
    if (!out.ok()) {
      state.SkipWithError(out.status().ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(out->front().bytes().data());
  }
  state.counters["items_per_s"] =
      benchmark::Counter(static_cast<double>(batch), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["rss_mb"] = RssMegabytes();
}

void BM_ClipTinyVision(benchmark::State& state) {
  RuntimeConfig config;
  config.device = "cpu";
  config.intra_op_threads = static_cast<int>(state.range(1));
  RunSession(state, testing::RequireShared("models/clip-standin-tiny/vision_model.onnx"), config);
}
BENCHMARK(BM_ClipTinyVision)
    ->ArgNames({"batch", "intra_threads"})
    ->ArgsProduct({{1, 8}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_VitB32(benchmark::State& state) {
  const char* dir = std::getenv("IRIS_BENCH_MODELS");
  const std::filesystem::path model =
      std::filesystem::path(dir ? dir : "/tmp/bench-models") / "vit-b32-random" / "vision_model.onnx";
  RuntimeConfig config;
  config.device = "cpu";
  config.intra_op_threads = 2;
  config.cpu_mem_arena = static_cast<int>(state.range(1));
  RunSession(state, model, config);
}
BENCHMARK(BM_VitB32)
    ->ArgNames({"batch", "arena"})
    ->ArgsProduct({{1, 8}, {1, 0}})
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0)
    ->UseRealTime();

void BM_BatcherOverhead(benchmark::State& state) {
  DynamicBatcher batcher("identity",
                         {.max_batch_size = 8, .max_queue_delay = std::chrono::microseconds(0), .max_queue_size = 64},
                         [](const std::vector<Tensor>& inputs) -> Result<std::vector<Tensor>> { return inputs; });
  std::vector<float> row(512, 1.0f);
  Tensor input = *Tensor::FromFloats({1, 512}, row);
  for (auto _ : state) {
    Result<std::vector<Tensor>> out = batcher.Submit({input}).get();
    benchmark::DoNotOptimize(out.ok());
  }
}
BENCHMARK(BM_BatcherOverhead)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace iris

BENCHMARK_MAIN();
