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
//      "</w>", and apply merges in rank order, each step merging every occurrence of the best-ranked
//      pair left to right (CLIP's bpe()); a piece spelled "<|startoftext|>" or "<|endoftext|>" is
//      that special token;
//   4. wrap in <|startoftext|> (49406) ... <|endoftext|> (49407) and, when longer than
//      context_length, cut to context_length ids whose last is <|endoftext|> (OpenAI's
//      truncate=True and Hugging Face's truncation give the same ids).
//
// Cost is bounded by the context, not by the text (a hostile 10,000-letter word must not hold a CPU):
//   * the merges of step 3 run on a linked list with a priority queue, O(n log n) in the piece's
//     bytes (the reference's rescans are O(n^2)); the ids are the reference's;
//   * once context_length ids are collected, the pieces after them are never merged;
//   * a piece longer than what can still fit is cut before merging: only its first
//     (ids that still fit + kCutMarginTokens) x L bytes are merged, L being the longest vocabulary
//     token in bytes (32 for CLIP), so the cut piece still yields more ids than fit. Only a piece
//     that alone overflows the context is cut, and merges are local, so its kept ids are those of the
//     whole piece except in contrived cases; a piece that fits is never cut (context_length <= 0:
//     nothing is cut).
// EncodeBatch pads every sequence to the longest in the batch with pad_id (49407 for OpenAI /
// Hugging Face exports, which pool at argmax(input_ids) = the first 49407; 0 for OpenCLIP) and an
// attention mask of 1 for real tokens and 0 for padding.
//
// The ids of each piece of at most kMaxCachedPieceBytes bytes are cached (at most max_cached_words
// pieces, so the cache's memory is bounded too). Encode/EncodeBatch are const and
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
  static constexpr std::size_t kCutMarginTokens = 16;
  static constexpr std::size_t kMaxCachedPieceBytes = 256;

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
  std::size_t vocabulary_size() const { return symbol_ids_.size(); }

 private:
  // A merge of the symbols (first, second): symbols are indices into symbol_ids_, one per
  // vocabulary token.
  struct MergeRule {
    int rank = 0;             // lower merges first (the line of merges.txt)
    std::int32_t merged = 0;  // the symbol of first + second
  };

  ClipTokenizer() = default;

  // The ids of one split piece (already lower-cased, as UTF-8), through the cache. `whole` is false
  // for a piece cut short: its last symbol does not end the word, and it is not cached.
  void AppendPieceIds(std::string_view piece, bool whole, std::vector<std::int64_t>& ids) const;
  std::vector<std::int64_t> BytePairEncode(std::string_view piece, bool ends_word) const;
  const MergeRule* FindMerge(std::int32_t first, std::int32_t second) const;

  ClipTokenizerOptions options_;
  std::vector<std::int64_t> symbol_ids_;                      // symbol -> vocabulary id
  std::unordered_map<std::uint64_t, MergeRule> merge_rules_;  // first << 32 | second -> rule
  std::int32_t byte_symbols_[256] = {};                       // GPT-2 bytes_to_unicode()
  std::int32_t byte_end_symbols_[256] = {};                   // the same followed by "</w>"
  std::size_t longest_token_bytes_ = 1;
  std::int64_t start_of_text_id_ = 0;
  std::int64_t end_of_text_id_ = 0;

  mutable std::shared_mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<std::int64_t>> cache_;
};

}  // namespace iris
