// CLIP tokenizer CPU cost (vision/clip_tokenizer.h) on ordinary prompts and on the hostile input of
// the DoS report: one 10,000-letter word, and a request of 256 of them (the most /v1/embeddings/text
// accepts). Every timed word is new, so the per-piece cache never answers for it; the tokenizer
// reads ../shared/models/clip-tokenizer.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "support/shared_data.h"
#include "vision/clip_tokenizer.h"

namespace iris {
namespace {

const ClipTokenizer& Tokenizer() {
  static const std::unique_ptr<ClipTokenizer> tokenizer = [] {
    auto loaded = ClipTokenizer::LoadFromDirectory(testing::RequireShared("models/clip-tokenizer"));
    if (!loaded.ok()) throw std::runtime_error(loaded.status().ToString());
    return std::move(loaded).value();
  }();
  return *tokenizer;
}

// A word of `letters` random lower-case letters, different on every call.
std::string FreshWord(std::size_t letters) {
  static std::mt19937 random(42);
  std::uniform_int_distribution<int> letter('a', 'z');
  std::string word(letters, 'a');
  for (char& c : word) c = static_cast<char>(letter(random));
  return word;
}

void BM_EncodeOneLongWord(benchmark::State& state) {
  const auto letters = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    const std::string word = FreshWord(letters);
    state.ResumeTiming();
    benchmark::DoNotOptimize(Tokenizer().Encode(word));
  }
}
BENCHMARK(BM_EncodeOneLongWord)->Arg(100)->Arg(1'000)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);

void BM_EncodeBatchOf256LongWords(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<std::string> texts;
    for (int i = 0; i < 256; ++i) texts.push_back(FreshWord(10'000));
    state.ResumeTiming();
    benchmark::DoNotOptimize(Tokenizer().EncodeBatch(texts));
  }
}
BENCHMARK(BM_EncodeBatchOf256LongWords)->Unit(benchmark::kMillisecond);

// 16 new short words (4..12 letters) per prompt: the BPE cost of ordinary text without the cache.
void BM_EncodeFreshShortWords(benchmark::State& state) {
  std::mt19937 random(7);
  std::uniform_int_distribution<std::size_t> length(4, 12);
  for (auto _ : state) {
    state.PauseTiming();
    std::string prompt;
    for (int i = 0; i < 16; ++i) prompt += FreshWord(length(random)) + " ";
    state.ResumeTiming();
    benchmark::DoNotOptimize(Tokenizer().Encode(prompt));
  }
}
BENCHMARK(BM_EncodeFreshShortWords)->Unit(benchmark::kMicrosecond);

void BM_EncodeCachedPrompt(benchmark::State& state) {
  const std::string prompt = "a photo of a red dress on a wooden chair, studio lighting";
  for (auto _ : state) benchmark::DoNotOptimize(Tokenizer().Encode(prompt));
}
BENCHMARK(BM_EncodeCachedPrompt)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace iris

BENCHMARK_MAIN();
