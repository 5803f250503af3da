#include "vision/clip_tokenizer.h"

#include <algorithm>
#include <climits>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "vision/unicode_text.h"

namespace iris {
namespace {

constexpr std::u32string_view kStartOfText = U"<|startoftext|>";
constexpr std::u32string_view kEndOfText = U"<|endoftext|>";
constexpr const char* kEndOfWord = "</w>";

Result<std::string> ReadWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("tokenizer file not found: " + path.string());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// GPT-2's bytes_to_unicode(): printable Latin-1 bytes stand for themselves, the other 68 bytes
// map to U+0100.. in byte order, so every byte has a visible, non-space symbol.
void BuildByteSymbols(std::string (&symbols)[256]) {
  auto printable = [](int b) { return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF); };
  char32_t next = 256;
  for (int b = 0; b < 256; ++b) {
    symbols[b].clear();
    unicode::AppendUtf8(printable(b) ? static_cast<char32_t>(b) : next++, symbols[b]);
  }
}

// Python's html.unescape for the entities that plausibly appear in prompts: &amp; &lt; &gt;
// &quot; &apos; &nbsp; and numeric &#NN; / &#xHH;. Anything else is left as written.
std::string UnescapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '&') {
      out.push_back(text[i++]);
      continue;
    }
    const std::size_t semi = text.find(';', i);
    if (semi == std::string_view::npos || semi - i > 10) {
      out.push_back(text[i++]);
      continue;
    }
    const std::string_view name = text.substr(i + 1, semi - i - 1);
    char32_t cp = 0;
    if (name == "amp")
      cp = '&';
    else if (name == "lt")
      cp = '<';
    else if (name == "gt")
      cp = '>';
    else if (name == "quot")
      cp = '"';
    else if (name == "apos")
      cp = '\'';
    else if (name == "nbsp")
      cp = 0xA0;
    else if (name.size() >= 2 && name[0] == '#') {
      const bool hex = name[1] == 'x' || name[1] == 'X';
      const std::string digits(name.substr(hex ? 2 : 1));
      if (!digits.empty() &&
          digits.find_first_not_of(hex ? "0123456789abcdefABCDEF" : "0123456789") == std::string::npos) {
        cp = static_cast<char32_t>(std::min<unsigned long>(std::stoul(digits, nullptr, hex ? 16 : 10), 0x10FFFF + 1ul));
        if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
      }
    }
    if (cp == 0) {
      out.push_back(text[i++]);
      continue;
    }
    unicode::AppendUtf8(cp, out);
    i = semi + 1;
  }
  return out;
}

// Clean-up before splitting: NFC, whitespace runs to one space, strip, lower-case.
std::u32string CleanText(std::string_view text, bool unescape_html) {
  std::u32string decoded;
  if (unescape_html) {
    decoded = unicode::DecodeUtf8(UnescapeHtml(UnescapeHtml(text)));
  } else {
    decoded = unicode::DecodeUtf8(text);
  }
  const std::u32string composed = unicode::ComposeCanonical(decoded);
  std::u32string collapsed;
  collapsed.reserve(composed.size());
  bool pending_space = false;
  for (char32_t cp : composed) {
    if (unicode::IsWhitespace(cp)) {
      pending_space = !collapsed.empty();
      continue;
    }
    if (pending_space) collapsed.push_back(U' ');
    pending_space = false;
    collapsed.push_back(cp);
  }
  return unicode::ToLower(collapsed);
}

// Length of the match of CLIP's split pattern at text[i], or 0 where no alternative matches (only
// at whitespace). Alternatives are tried in the pattern's order, as a regex engine does.
std::size_t MatchPiece(std::u32string_view text, std::size_t i) {
  const std::u32string_view rest = text.substr(i);
  if (rest.starts_with(kStartOfText)) return kStartOfText.size();
  if (rest.starts_with(kEndOfText)) return kEndOfText.size();
  if (rest[0] == U'\'') {
    for (std::u32string_view c : {U"'s", U"'t", U"'re", U"'ve", U"'m", U"'ll", U"'d"}) {
      if (rest.starts_with(c)) return c.size();
    }
  }
  if (unicode::IsLetter(rest[0])) {
    std::size_t n = 1;
    while (n < rest.size() && unicode::IsLetter(rest[n])) ++n;
    return n;
  }
  if (unicode::IsNumber(rest[0])) return 1;
  if (unicode::IsWhitespace(rest[0])) return 0;
  std::size_t n = 1;
  while (n < rest.size() && !unicode::IsWhitespace(rest[n]) && !unicode::IsLetter(rest[n]) &&
         !unicode::IsNumber(rest[n])) {
    ++n;
  }
  return n;
}

}  // namespace

Result<std::unique_ptr<ClipTokenizer>> ClipTokenizer::Load(const std::filesystem::path& vocab_json,
                                                           const std::filesystem::path& merges_txt,
                                                           const ClipTokenizerOptions& options) {
  IRIS_ASSIGN_OR_RETURN(const std::string vocab_text, ReadWholeFile(vocab_json));
  IRIS_ASSIGN_OR_RETURN(const std::string merges_text, ReadWholeFile(merges_txt));

  std::unique_ptr<ClipTokenizer> tokenizer(new ClipTokenizer());
  tokenizer->options_ = options;
  try {
    const nlohmann::json vocab = nlohmann::json::parse(vocab_text);
    if (!vocab.is_object()) return InvalidArgument("vocab.json must be a JSON object: " + vocab_json.string());
    tokenizer->vocabulary_.reserve(vocab.size());
    for (const auto& [token, id] : vocab.items()) {
      if (!id.is_number_integer()) return InvalidArgument("vocab.json: id of '" + token + "' is not an integer");
      tokenizer->vocabulary_.emplace(token, id.get<std::int64_t>());
    }
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument("vocab.json is not valid JSON (" + vocab_json.string() + "): " + e.what());
  }

  auto& vocabulary = tokenizer->vocabulary_;
  const auto sot = vocabulary.find("<|startoftext|>");
  const auto eot = vocabulary.find("<|endoftext|>");
  if (sot == vocabulary.end() || eot == vocabulary.end()) {
    return InvalidArgument("vocab.json lacks <|startoftext|> or <|endoftext|>: " + vocab_json.string());
  }
  tokenizer->start_of_text_id_ = sot->second;
  tokenizer->end_of_text_id_ = eot->second;

  BuildByteSymbols(tokenizer->byte_symbols_);
  for (const std::string& symbol : tokenizer->byte_symbols_) {
    if (!vocabulary.contains(symbol) || !vocabulary.contains(symbol + kEndOfWord)) {
      return InvalidArgument("vocab.json lacks a byte symbol; not a byte-level BPE vocabulary: " + vocab_json.string());
    }
  }

  std::istringstream lines(merges_text);
  std::string line;
  int rank = 0;
  bool first_line = true;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (first_line && line.starts_with("#version")) {
      first_line = false;
      continue;
    }
    first_line = false;
    if (line.empty()) continue;
    const std::size_t space = line.find(' ');
    if (space == std::string::npos || space == 0 || space + 1 == line.size() ||
        line.find(' ', space + 1) != std::string::npos) {
      return InvalidArgument("merges.txt line " + std::to_string(rank + 2) + " is not 'first second'");
    }
    std::string merged = line.substr(0, space) + line.substr(space + 1);
    if (!vocabulary.contains(merged)) {
      return InvalidArgument("merges.txt merge '" + line + "' makes a token missing from vocab.json");
    }
    tokenizer->merge_ranks_.emplace(std::move(line), rank++);
  }
  if (rank == 0) return InvalidArgument("merges.txt has no merges: " + merges_txt.string());
  return tokenizer;
}

Result<std::unique_ptr<ClipTokenizer>> ClipTokenizer::LoadFromDirectory(const std::filesystem::path& directory,
                                                                        const ClipTokenizerOptions& options) {
  return Load(directory / "vocab.json", directory / "merges.txt", options);
}

std::vector<std::int64_t> ClipTokenizer::BytePairEncode(const std::string& piece) const {
  std::vector<std::string> word;
  word.reserve(piece.size());
  for (unsigned char b : piece) word.push_back(byte_symbols_[b]);
  word.back() += kEndOfWord;

  std::string key;
  std::vector<std::string> merged;
  while (word.size() > 1) {
    int best_rank = INT_MAX;
    std::size_t best = 0;
    for (std::size_t i = 0; i + 1 < word.size(); ++i) {
      key.assign(word[i]).append(" ").append(word[i + 1]);
      const auto it = merge_ranks_.find(key);
      if (it != merge_ranks_.end() && it->second < best_rank) {
        best_rank = it->second;
        best = i;
      }
    }
    if (best_rank == INT_MAX) break;
    // Merge every occurrence of the best pair, left to right without overlap (as CLIP's bpe()).
    const std::string first = word[best];
    const std::string second = word[best + 1];
    merged.clear();
    for (std::size_t i = 0; i < word.size();) {
      if (i + 1 < word.size() && word[i] == first && word[i + 1] == second) {
        merged.push_back(first + second);
        i += 2;
      } else {
        merged.push_back(std::move(word[i]));
        i += 1;
      }
    }
    word.swap(merged);
  }

  std::vector<std::int64_t> ids;
  ids.reserve(word.size());
  // Every symbol is a byte symbol or a merge result, all checked to be in the vocabulary by Load().
  for (const std::string& symbol : word) ids.push_back(vocabulary_.at(symbol));
  return ids;
}

void ClipTokenizer::AppendPieceIds(const std::string& piece, std::vector<std::int64_t>& ids) const {
  {
    std::shared_lock lock(cache_mutex_);
    const auto it = cache_.find(piece);
    if (it != cache_.end()) {
      ids.insert(ids.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  std::vector<std::int64_t> piece_ids = BytePairEncode(piece);
  ids.insert(ids.end(), piece_ids.begin(), piece_ids.end());
  std::unique_lock lock(cache_mutex_);
  if (cache_.size() >= options_.max_cached_words) cache_.clear();
  cache_.emplace(piece, std::move(piece_ids));
}

std::vector<std::int64_t> ClipTokenizer::Encode(std::string_view text, int context_length) const {
  const std::u32string cleaned = CleanText(text, options_.unescape_html);
  std::vector<std::int64_t> ids{start_of_text_id_};
  std::string piece;
  for (std::size_t i = 0; i < cleaned.size();) {
    const std::size_t n = MatchPiece(cleaned, i);
    if (n == 0) {
      ++i;
      continue;
    }
    const std::u32string_view match(cleaned.data() + i, n);
    i += n;
    if (match == kStartOfText) {
      ids.push_back(start_of_text_id_);
    } else if (match == kEndOfText) {
      ids.push_back(end_of_text_id_);
    } else {
      piece.clear();
      for (char32_t cp : match) unicode::AppendUtf8(cp, piece);
      AppendPieceIds(piece, ids);
    }
    // Enough ids to fill any context: the rest would be cut off anyway.
    if (context_length > 0 && ids.size() > static_cast<std::size_t>(context_length)) break;
  }
  ids.push_back(end_of_text_id_);
  if (context_length > 0) {
    const std::size_t limit = static_cast<std::size_t>(std::max(context_length, 2));
    if (ids.size() > limit) {
      ids.resize(limit);
      ids.back() = end_of_text_id_;
    }
  }
  return ids;
}

TokenBatch ClipTokenizer::EncodeBatch(std::span<const std::string> texts, int context_length,
                                      std::int64_t pad_id) const {
  std::vector<std::vector<std::int64_t>> encoded;
  encoded.reserve(texts.size());
  std::size_t longest = 0;
  for (const std::string& text : texts) {
    encoded.push_back(Encode(text, context_length));
    longest = std::max(longest, encoded.back().size());
  }
  TokenBatch batch;
  batch.batch_size = static_cast<int>(texts.size());
  batch.sequence_length = static_cast<int>(longest);
  batch.input_ids.assign(texts.size() * longest, pad_id);
  batch.attention_mask.assign(texts.size() * longest, 0);
  for (std::size_t row = 0; row < encoded.size(); ++row) {
    std::copy(encoded[row].begin(), encoded[row].end(), batch.input_ids.begin() + row * longest);
    std::fill_n(batch.attention_mask.begin() + row * longest, encoded[row].size(), 1);
  }
  return batch;
}

}  // namespace iris
