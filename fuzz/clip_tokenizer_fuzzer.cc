// Fuzz target: the CLIP tokenizer (vision/clip_tokenizer.h) on any bytes as text: invalid UTF-8,
// huge words, every script. The real vocabulary is loaded from ../shared/models/clip-tokenizer
// (IRIS_SHARED_DIR overrides the build's default). The ids must start with <|startoftext|>, end with
// <|endoftext|>, be at most context_length long and lie inside the vocabulary.
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz_target.h"
#include "vision/clip_tokenizer.h"

namespace {

const iris::ClipTokenizer& Tokenizer() {
  static const std::unique_ptr<iris::ClipTokenizer> tokenizer = [] {
    const char* shared = std::getenv("IRIS_SHARED_DIR");
    const std::filesystem::path dir =
        std::filesystem::path(shared ? shared : IRIS_DEFAULT_SHARED_DIR) / "models/clip-tokenizer";
    auto loaded = iris::ClipTokenizer::LoadFromDirectory(dir);
    if (!loaded.ok()) {
      std::cerr << "clip_tokenizer_fuzzer: cannot load the tokenizer from " << dir << ": " << loaded.status().ToString()
                << " (set IRIS_SHARED_DIR)\n";
      std::abort();
    }
    return std::move(loaded).value();
  }();
  return *tokenizer;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const iris::ClipTokenizer& tokenizer = Tokenizer();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto ids = tokenizer.Encode(text);
  if (ids.size() < 2 || ids.size() > static_cast<std::size_t>(iris::ClipTokenizer::kDefaultContextLength) ||
      ids.front() != tokenizer.start_of_text_id() || ids.back() != tokenizer.end_of_text_id()) {
    std::abort();
  }
  for (std::int64_t id : ids) {
    if (id < 0 || static_cast<std::size_t>(id) >= tokenizer.vocabulary_size()) std::abort();
  }
  return 0;
}

std::vector<std::string> IrisFuzzSeeds() {
  return {"a photo of a red dress", "Ünïcödé — 東京 🙂 #hashtag's don't", std::string(300, 'x'),
          std::string("\xff\xfe\xc3(\xe2\x28\xa1", 7), "   multiple   spaces\tand\nnewlines  "};
}
