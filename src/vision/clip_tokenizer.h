// ClipTokenizer: OpenAI CLIP's byte-level BPE tokenizer (49408-token vocabulary), producing the
// input_ids / attention_mask that CLIP text towers take (OpenAI, Hugging Face and OpenCLIP exports).
//
// Encode(text) follows the reference tokenizers step by step:
//   1. clean-up: optionally HTML-unescape (OpenAI's basic_clean; off by default, like the Hugging
//      Face fast tokenizer), canonical composition (NFC, see unicode_text.h), every run of
//      whitespace to one space, strip, lower-case;
//   2. split with CLIP's pattern
//        <\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
//      using real Unicode categories (so "1234" is four pieces and "café" one);
//   3. map each piece's UTF-8 bytes to GPT-2's byte-to-unicode alphabet, mark the last symbol with
//      "</w>", and apply merges in rank order; a piece spelled "<|startoftext|>" or "<|endoftext|>"
//      is that special token;
//   4. wrap in <|startoftext|> (49406) ... <|endoftext|> (49407) and, when longer than
//      context_length, cut to context_length ids whose last is <|endoftext|> (OpenAI's
//      truncate=True and Hugging Face's truncation give the same ids).
// EncodeBatch pads every sequence to the longest in the batch with pad_id (49407 for OpenAI /
// Hugging Face exports, which pool at argmax(input_ids) = the first 49407; 0 for OpenCLIP) and an
// attention mask of 1 for real tokens and 0 for padding.
//
// The ids for each piece are cached (bounded in size). Encode/EncodeBatch are const and
// thread-safe: any number of threads may tokenize at once through one shared instance. Not
// copyable; load once per process and share.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"

namespace iris {

struct ClipTokenizerOptions {
  bool unescape_html = false;              // OpenAI's html.unescape(html.unescape(text)) before cleaning
  std::size_t max_cached_words = 1 << 16;  // per-piece cache entries kept before the cache is reset
};

// Row-major [batch_size, sequence_length] tensors for an ONNX text tower.
struct TokenBatch {
  int batch_size = 0;
  int sequence_length = 0;
  std::vector<std::int64_t> input_ids;
  std::vector<std::int64_t> attention_mask;  // 1 = token, 0 = padding
};

class ClipTokenizer {
 public:
  static constexpr int kDefaultContextLength = 77;

  // Reads vocab.json (token -> id) and merges.txt (one "a b" merge per line, ranked by line; a
  // first line starting with "#version" is skipped). NotFound for a missing file, InvalidArgument
  // for malformed contents (including a vocabulary without the two special tokens or without
  // every single byte symbol, so Encode can never meet an unknown symbol).
  static Result<std::unique_ptr<ClipTokenizer>> Load(const std::filesystem::path& vocab_json,
                                                     const std::filesystem::path& merges_txt,
                                                     const ClipTokenizerOptions& options = {});
  // Load(directory / "vocab.json", directory / "merges.txt").
  static Result<std::unique_ptr<ClipTokenizer>> LoadFromDirectory(const std::filesystem::path& directory,
                                                                  const ClipTokenizerOptions& options = {});

  ClipTokenizer(const ClipTokenizer&) = delete;
  ClipTokenizer& operator=(const ClipTokenizer&) = delete;

  // <|startoftext|> ids... <|endoftext|>, at most context_length ids (context_length <= 0: no limit;
  // otherwise it must be >= 2).
  std::vector<std::int64_t> Encode(std::string_view text, int context_length = kDefaultContextLength) const;

  // Encode() for each text, padded to the longest (see the contract above). An empty span gives an
  // empty batch (0 x 0).
  TokenBatch EncodeBatch(std::span<const std::string> texts, int context_length = kDefaultContextLength,
                         std::int64_t pad_id = 49407) const;

  std::int64_t start_of_text_id() const { return start_of_text_id_; }
  std::int64_t end_of_text_id() const { return end_of_text_id_; }
  std::size_t vocabulary_size() const { return vocabulary_.size(); }

 private:
  ClipTokenizer() = default;

  // The ids of one split piece (already lower-cased, as UTF-8), through the cache.
  void AppendPieceIds(const std::string& piece, std::vector<std::int64_t>& ids) const;
  std::vector<std::int64_t> BytePairEncode(const std::string& piece) const;

  ClipTokenizerOptions options_;
  std::unordered_map<std::string, std::int64_t> vocabulary_;
  std::unordered_map<std::string, int> merge_ranks_;  // "first second" -> rank (lower merges first)
  std::string byte_symbols_[256];                     // GPT-2 bytes_to_unicode(), as UTF-8
  std::int64_t start_of_text_id_ = 0;
  std::int64_t end_of_text_id_ = 0;

  mutable std::shared_mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<std::int64_t>> cache_;
};

}  // namespace iris
