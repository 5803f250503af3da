#include "vision/clip_tokenizer.h"

#include <algorithm>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <queue>
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

// The bytes a vocabulary token stands for: its symbols, each one byte in GPT-2's alphabet (one
// code point), without the "</w>" marker.
std::size_t TokenBytes(std::string_view token) {
  if (token.ends_with(kEndOfWord)) token.remove_suffix(std::string_view(kEndOfWord).size());
  std::size_t code_points = 0;
  for (char c : token) code_points += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return code_points;
}

std::uint64_t PairKey(std::int32_t first, std::int32_t second) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(first)) << 32) | static_cast<std::uint32_t>(second);
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
  std::unordered_map<std::string, std::int32_t> symbols;  // token -> symbol
  try {
    const nlohmann::json vocab = nlohmann::json::parse(vocab_text);
    if (!vocab.is_object()) return InvalidArgument("vocab.json must be a JSON object: " + vocab_json.string());
    symbols.reserve(vocab.size());
    tokenizer->symbol_ids_.reserve(vocab.size());
    for (const auto& [token, id] : vocab.items()) {
      if (!id.is_number_integer()) return InvalidArgument("vocab.json: id of '" + token + "' is not an integer");
      if (!symbols.emplace(token, static_cast<std::int32_t>(tokenizer->symbol_ids_.size())).second) continue;
      tokenizer->symbol_ids_.push_back(id.get<std::int64_t>());
      tokenizer->longest_token_bytes_ = std::max(tokenizer->longest_token_bytes_, TokenBytes(token));
    }
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument("vocab.json is not valid JSON (" + vocab_json.string() + "): " + e.what());
  }

  const auto sot = symbols.find("<|startoftext|>");
  const auto eot = symbols.find("<|endoftext|>");
  if (sot == symbols.end() || eot == symbols.end()) {
    return InvalidArgument("vocab.json lacks <|startoftext|> or <|endoftext|>: " + vocab_json.string());
  }
  tokenizer->start_of_text_id_ = tokenizer->symbol_ids_[sot->second];
  tokenizer->end_of_text_id_ = tokenizer->symbol_ids_[eot->second];

  std::string byte_symbols[256];
  BuildByteSymbols(byte_symbols);
  for (int b = 0; b < 256; ++b) {
    const auto plain = symbols.find(byte_symbols[b]);
    const auto ending = symbols.find(byte_symbols[b] + kEndOfWord);
    if (plain == symbols.end() || ending == symbols.end()) {
      return InvalidArgument("vocab.json lacks a byte symbol; not a byte-level BPE vocabulary: " + vocab_json.string());
    }
    tokenizer->byte_symbols_[b] = plain->second;
    tokenizer->byte_end_symbols_[b] = ending->second;
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
    const std::string first = line.substr(0, space);
    const std::string second = line.substr(space + 1);
    const auto merged = symbols.find(first + second);
    if (merged == symbols.end()) {
      return InvalidArgument("merges.txt merge '" + line + "' makes a token missing from vocab.json");
    }
    const auto first_symbol = symbols.find(first);
    const auto second_symbol = symbols.find(second);
    // A part outside the vocabulary never occurs in a word (every symbol is a byte or a merge
    // result, both in the vocabulary), so that merge could never apply.
    if (first_symbol != symbols.end() && second_symbol != symbols.end()) {
      tokenizer->merge_rules_.emplace(PairKey(first_symbol->second, second_symbol->second),
                                      MergeRule{rank, merged->second});
    }
    ++rank;
  }
  if (rank == 0) return InvalidArgument("merges.txt has no merges: " + merges_txt.string());
  return tokenizer;
}

Result<std::unique_ptr<ClipTokenizer>> ClipTokenizer::LoadFromDirectory(const std::filesystem::path& directory,
                                                                        const ClipTokenizerOptions& options) {
  return Load(directory / "vocab.json", directory / "merges.txt", options);
}

const ClipTokenizer::MergeRule* ClipTokenizer::FindMerge(std::int32_t first, std::int32_t second) const {
  const auto it = merge_rules_.find(PairKey(first, second));
  return it == merge_rules_.end() ? nullptr : &it->second;
}

std::vector<std::int64_t> ClipTokenizer::BytePairEncode(std::string_view piece, bool ends_word) const {
  // The word as a linked list of symbols over the byte positions; a merge keeps the left node and
  // retires the right one (symbol -1), so nodes stay in text order.
  const auto n = static_cast<std::int32_t>(piece.size());
  std::vector<std::int32_t> symbol(piece.size()), next(piece.size()), prev(piece.size());
  for (std::int32_t i = 0; i < n; ++i) {
    const auto byte = static_cast<unsigned char>(piece[i]);
    symbol[i] = ends_word && i + 1 == n ? byte_end_symbols_[byte] : byte_symbols_[byte];
    next[i] = i + 1 < n ? i + 1 : -1;
    prev[i] = i - 1;
  }

  // Candidate merges, lowest rank first and, within a rank, leftmost first. A candidate goes stale
  // when either of its nodes changes; it is checked when taken.
  struct Candidate {
    int rank;
    std::int32_t left, first, second, merged;
  };
  const auto after = [](const Candidate& a, const Candidate& b) {
    return a.rank != b.rank ? a.rank > b.rank : a.left > b.left;
  };
  std::priority_queue<Candidate, std::vector<Candidate>, decltype(after)> queue(after);
  const auto consider = [&](std::int32_t left) {
    if (left < 0 || next[left] < 0) return;
    if (const MergeRule* rule = FindMerge(symbol[left], symbol[next[left]])) {
      queue.push({rule->rank, left, symbol[left], symbol[next[left]], rule->merged});
    }
  };
  for (std::int32_t i = 0; i + 1 < n; ++i) consider(i);

  std::vector<Candidate> step;
  while (!queue.empty()) {
    // One step of CLIP's bpe(): every occurrence of the best-ranked pair, left to right without
    // overlap. Pairs this step creates contain the merged symbol, so they have other ranks and wait
    // for a later step, as in the reference.
    const int rank = queue.top().rank;
    step.clear();
    while (!queue.empty() && queue.top().rank == rank) {
      step.push_back(queue.top());
      queue.pop();
    }
    for (const Candidate& c : step) {
      const std::int32_t right = next[c.left];
      if (symbol[c.left] != c.first || right < 0 || symbol[right] != c.second) continue;  // stale
      symbol[c.left] = c.merged;
      symbol[right] = -1;
      next[c.left] = next[right];
      if (next[right] >= 0) prev[next[right]] = c.left;
      consider(prev[c.left]);
      consider(c.left);
    }
  }

  std::vector<std::int64_t> ids;
  for (std::int32_t i = 0; i >= 0; i = next[i]) ids.push_back(symbol_ids_[static_cast<std::size_t>(symbol[i])]);
  return ids;
}

void ClipTokenizer::AppendPieceIds(std::string_view piece, bool whole, std::vector<std::int64_t>& ids) const {
  if (!whole || piece.size() > kMaxCachedPieceBytes) {
    const std::vector<std::int64_t> piece_ids = BytePairEncode(piece, whole);
    ids.insert(ids.end(), piece_ids.begin(), piece_ids.end());
    return;
  }
  const std::string key(piece);
  {
    std::shared_lock lock(cache_mutex_);
    const auto it = cache_.find(key);
    if (it != cache_.end()) {
      ids.insert(ids.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  std::vector<std::int64_t> piece_ids = BytePairEncode(piece, /*ends_word=*/true);
  ids.insert(ids.end(), piece_ids.begin(), piece_ids.end());
  std::unique_lock lock(cache_mutex_);
  if (cache_.size() >= options_.max_cached_words) cache_.clear();
  cache_.emplace(key, std::move(piece_ids));
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
      std::size_t keep = piece.size();
      if (context_length > 0) {
        // Ids of this piece that can still appear before the final <|endoftext|>.
        const std::size_t still_fit = ids.size() + 1 < static_cast<std::size_t>(context_length)
                                          ? static_cast<std::size_t>(context_length) - 1 - ids.size()
                                          : 0;
        keep = std::min(keep, (still_fit + kCutMarginTokens) * longest_token_bytes_);
      }
      AppendPieceIds(std::string_view(piece).substr(0, keep), keep == piece.size(), ids);
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
