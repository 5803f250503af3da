#include "vision/clip_tokenizer.h"

#include <gtest/gtest.h>

#include <climits>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "support/shared_data.h"
#include "support/temp_dir.h"

namespace iris {
namespace {

using Ids = std::vector<std::int64_t>;

const ClipTokenizer& Tokenizer() {
  static const std::unique_ptr<ClipTokenizer> tokenizer = [] {
    auto loaded = ClipTokenizer::LoadFromDirectory(testing::RequireShared("models/clip-tokenizer"));
    if (!loaded.ok()) throw std::runtime_error(loaded.status().ToString());
    return std::move(loaded).value();
  }();
  return *tokenizer;
}

TEST(ClipTokenizerTest, PhotoOfACat) {
  EXPECT_EQ(Tokenizer().Encode("a photo of a cat"), (Ids{49406, 320, 1125, 539, 320, 2368, 49407}));
  EXPECT_EQ(Tokenizer().start_of_text_id(), 49406);
  EXPECT_EQ(Tokenizer().end_of_text_id(), 49407);
  EXPECT_EQ(Tokenizer().vocabulary_size(), 49408u);
}

// Expected ids below were produced once, offline, by a Python 3.11 transcription of OpenAI's
// simple_tokenizer.py (bytes_to_unicode, bpe() and the split pattern verbatim, with \p{L} and \p{N}
// expanded into character classes from unicodedata, ftfy replaced by unicodedata.normalize("NFC"),
// no HTML unescaping), reading the same vocab.json and merges.txt. "a photo of a cat" matches the
// ids published for OpenAI CLIP.
struct Case {
  const char* text;
  Ids ids;
};

const Case kCases[] = {
    {"Hello, world!!!", {49406, 3306, 267, 1002, 995, 49407}},
    {"1234", {49406, 272, 273, 274, 275, 49407}},  // \p{N} is one code point per piece
    {"it's", {49406, 585, 568, 49407}},
    {"I'LL BE THERE, WON'T I?", {49406, 328, 1342, 655, 997, 267, 1749, 713, 328, 286, 49407}},
    {"...'s", {49406, 23167, 338, 49407}},  // the punctuation run swallows the apostrophe
    {"caf\u00e9", {49406, 15304, 49407}},
    {"cafe\u0301", {49406, 15304, 49407}},  // decomposed accent composes to the same word
    {"na\u00efve fa\u00e7ade co\u00f6perate", {49406, 1097, 35689, 563, 778, 10067, 1928, 622, 7255, 703, 671, 49407}},
    {"\u6771\u4eac\u30bf\u30ef\u30fc\u306e\u5199\u771f",
     {49406, 48338, 21078, 105, 34941, 2429, 107, 13457, 21575, 44653, 33440, 509, 49407}},
    {"\ud55c\uad6d\uc5b4 \ud14d\uc2a4\ud2b8",
     {49406, 15197, 250, 31871, 255, 31625, 368, 169, 227, 235, 20305, 39820, 49407}},
    {"a \U0001F431 emoji \U0001F44D\U0001F3FD", {49406, 320, 22979, 16327, 43722, 49407}},
    {"  extra    spaces\tand\nnewlines  ", {49406, 4231, 9006, 537, 1218, 3418, 49407}},
    {"", {49406, 49407}},
    {"   \t\n ", {49406, 49407}},
    {"\u0391\u0398\u0397\u039d\u0391 \u0395\u03bb\u03bb\u03ac\u03b4\u03b1",
     {49406, 138, 109, 138, 116, 138, 115, 138, 121, 138, 365, 138,
      113,   138, 119, 138, 119, 138, 105, 138, 112, 138, 365, 49407}},
    {"\u041c\u043e\u0441\u043a\u0432\u0430 \u2014 \u0441\u0442\u043e\u043b\u0438\u0446\u0430 "
     "\u0420\u043e\u0441\u0441\u0438\u0438",
     {49406, 38018, 13506, 23669, 27152, 39813, 27080, 2005,  23669, 17875, 20978, 119,
      16701, 141,   228,   27080, 16370, 13506, 23669, 23669, 29503, 372,   49407}},
    {"$9.99 & 50% off!!!", {49406, 259, 280, 269, 280, 280, 261, 276, 271, 260, 1007, 995, 49407}},
    {"<|endoftext|> inside", {49406, 49407, 2912, 49407}},
    {"\u0130stanbul", {49406, 328, 16384, 11231, 49407}},  // lower() of U+0130 is two code points
    {"x\u00b2+y\u00b3=z\u2074", {49406, 343, 41175, 266, 344, 126, 367, 284, 345, 1667, 368, 49407}},
    {"A RED DRESS", {49406, 320, 736, 2595, 49407}},
};

TEST(ClipTokenizerTest, MatchesReferenceIds) {
  for (const Case& c : kCases) {
    EXPECT_EQ(Tokenizer().Encode(c.text), c.ids) << "text: \"" << c.text << "\"";
  }
}

TEST(ClipTokenizerTest, LongPromptIsTruncatedToContextKeepingEndOfText) {
  std::string text;
  for (int i = 0; i < 500; ++i) text += (i % 3 == 0 ? "red " : i % 3 == 1 ? "dress " : "photo ");
  const Ids ids = Tokenizer().Encode(text);
  ASSERT_EQ(ids.size(), 77u);
  EXPECT_EQ(ids.front(), 49406);
  EXPECT_EQ(ids.back(), 49407);
  EXPECT_EQ(ids[1], 736);                               // "red</w>"
  EXPECT_EQ(ids[75], 1125);                             // word 74 ("photo"); the 75 words kept are words 0..74
  EXPECT_EQ(Tokenizer().Encode(text, 0).size(), 502u);  // no limit: every word is one token
  const Ids short_context = Tokenizer().Encode(text, 5);
  EXPECT_EQ(short_context, (Ids{49406, 736, 2595, 1125, 49407}));
}

TEST(ClipTokenizerTest, ExactlyFullContextIsNotCut) {
  std::string text;
  for (int i = 0; i < 75; ++i) text += "cat ";
  const Ids ids = Tokenizer().Encode(text);
  ASSERT_EQ(ids.size(), 77u);
  EXPECT_EQ(ids[75], 2368);
  EXPECT_EQ(ids[76], 49407);
}

// OpenAI's bpe() as simple_tokenizer.py writes it, string by string (rescanning every pair after
// each merge): the oracle for the tokenizer's priority-queue merges.
class ReferenceBpe {
 public:
  ReferenceBpe() {
    const auto dir = testing::RequireShared("models/clip-tokenizer");
    const nlohmann::json vocab = nlohmann::json::parse(testing::ReadFileBytes(dir / "vocab.json"));
    for (const auto& [token, id] : vocab.items()) vocabulary_[token] = id.get<std::int64_t>();
    std::istringstream merges(testing::ReadFileBytes(dir / "merges.txt"));
    std::string line;
    for (int rank = 0; std::getline(merges, line);) {
      if (line.starts_with("#version") || line.empty()) continue;
      ranks_.emplace(line, rank++);
    }
    int next = 256;  // GPT-2's bytes_to_unicode()
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      const int cp = printable ? b : next++;
      byte_symbols_[b] = cp < 0x80
                             ? std::string(1, static_cast<char>(cp))
                             : std::string{static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
    }
  }

  // The ids of one whole word (a single split piece), </w> on its last symbol.
  Ids Word(std::string_view piece) const {
    std::vector<std::string> word;
    for (unsigned char b : piece) word.push_back(byte_symbols_[b]);
    word.back() += "</w>";
    while (word.size() > 1) {
      int best_rank = INT_MAX;
      std::size_t best = 0;
      for (std::size_t i = 0; i + 1 < word.size(); ++i) {
        const auto it = ranks_.find(word[i] + " " + word[i + 1]);
        if (it != ranks_.end() && it->second < best_rank) {
          best_rank = it->second;
          best = i;
        }
      }
      if (best_rank == INT_MAX) break;
      const std::string first = word[best], second = word[best + 1];
      std::vector<std::string> merged;
      for (std::size_t i = 0; i < word.size();) {
        if (i + 1 < word.size() && word[i] == first && word[i + 1] == second) {
          merged.push_back(first + second);
          i += 2;
        } else {
          merged.push_back(word[i++]);
        }
      }
      word.swap(merged);
    }
    Ids ids;
    for (const auto& symbol : word) ids.push_back(vocabulary_.at(symbol));
    return ids;
  }

 private:
  std::unordered_map<std::string, std::int64_t> vocabulary_;
  std::unordered_map<std::string, int> ranks_;
  std::string byte_symbols_[256];
};

// A word of `length` symbols drawn from `alphabet` (UTF-8 strings: letters, or punctuation and emoji,
// which CLIP's pattern keeps together as one piece).
std::string RandomWord(std::mt19937& random, const std::vector<std::string>& alphabet, std::size_t length) {
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::string word;
  for (std::size_t i = 0; i < length; ++i) word += alphabet[pick(random)];
  return word;
}

TEST(ClipTokenizerTest, MergesMatchTheReferenceBpeOnRandomWords) {
  const ReferenceBpe reference;
  const std::vector<std::vector<std::string>> alphabets = {
      {"a", "b"},                                     // long runs: overlapping pairs such as "a a a"
      {"e", "r", "s", "t", "i", "n", "o", "a", "l"},  // frequent letters: long merge chains
      {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m",
       "n", "o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z"},
      {"\u00e9", "\u00e8", "e", "\u00fc", "\u00df", "n"},               // multi-byte letters
      {"!", "?", ".", ",", "-", "\U0001F431", "\U0001F602", "\u2014"},  // punctuation and emoji runs
  };
  std::mt19937 random(2024);
  std::uniform_int_distribution<std::size_t> length(1, 40);
  int compared = 0;
  for (const auto& alphabet : alphabets) {
    for (int i = 0; i < 400; ++i) {
      const std::string word = RandomWord(random, alphabet, i < 395 ? length(random) : 300);
      Ids expected{49406};
      const Ids merged = reference.Word(word);
      expected.insert(expected.end(), merged.begin(), merged.end());
      expected.push_back(49407);
      ASSERT_EQ(Tokenizer().Encode(word, /*context_length=*/0), expected) << "word: " << word;
      ++compared;
    }
  }
  EXPECT_EQ(compared, 2000);
}

TEST(ClipTokenizerTest, HugeWordIsCutToTheContextBeforeMerging) {
  std::mt19937 random(77);
  const std::vector<std::string> letters = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m",
                                            "n", "o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z"};
  const std::string word = RandomWord(random, letters, 100'000);
  const Ids ids = Tokenizer().Encode(word);
  ASSERT_EQ(ids.size(), 77u);
  EXPECT_EQ(ids.front(), 49406);
  EXPECT_EQ(ids.back(), 49407);
  // The kept ids are those of the word merged whole: here those of an uncut 3,000-letter prefix.
  const Ids prefix = Tokenizer().Encode(word.substr(0, 3'000), /*context_length=*/0);
  ASSERT_GT(prefix.size(), 77u);
  EXPECT_EQ(Ids(ids.begin(), ids.begin() + 76), Ids(prefix.begin(), prefix.begin() + 76));
  // After a prompt, the word's room is smaller; the ids still agree.
  const Ids after_prompt = Tokenizer().Encode("a photo of " + word);
  const Ids after_prompt_prefix = Tokenizer().Encode("a photo of " + word.substr(0, 3'000), 0);
  ASSERT_EQ(after_prompt.size(), 77u);
  EXPECT_EQ(Ids(after_prompt.begin(), after_prompt.begin() + 76),
            Ids(after_prompt_prefix.begin(), after_prompt_prefix.begin() + 76));
  // A batch of such words is 77 ids each.
  const std::vector<std::string> texts(8, word);
  EXPECT_EQ(Tokenizer().EncodeBatch(texts).sequence_length, 77);
}

TEST(ClipTokenizerTest, BatchPadsToLongestWithMask) {
  const std::vector<std::string> texts{"a photo of a cat", "", "dog"};
  const TokenBatch batch = Tokenizer().EncodeBatch(texts);
  ASSERT_EQ(batch.batch_size, 3);
  ASSERT_EQ(batch.sequence_length, 7);
  const Ids expected_ids{49406, 320,   1125,  539,   320,   2368,  49407,  //
                         49406, 49407, 49407, 49407, 49407, 49407, 49407,  //
                         49406, 1929,  49407, 49407, 49407, 49407, 49407};
  const Ids expected_mask{1, 1, 1, 1, 1, 1, 1,  //
                          1, 1, 0, 0, 0, 0, 0,  //
                          1, 1, 1, 0, 0, 0, 0};
  EXPECT_EQ(batch.input_ids, expected_ids);
  EXPECT_EQ(batch.attention_mask, expected_mask);

  const TokenBatch zero_padded = Tokenizer().EncodeBatch(texts, 77, 0);  // OpenCLIP exports pad with 0
  EXPECT_EQ(zero_padded.input_ids[7 + 2], 0);
  EXPECT_EQ(zero_padded.input_ids[7 + 1], 49407);

  const TokenBatch empty = Tokenizer().EncodeBatch({});
  EXPECT_EQ(empty.batch_size, 0);
  EXPECT_TRUE(empty.input_ids.empty());
}

TEST(ClipTokenizerTest, HtmlUnescapeIsOptional) {
  auto loaded = ClipTokenizer::LoadFromDirectory(testing::RequireShared("models/clip-tokenizer"),
                                                 ClipTokenizerOptions{.unescape_html = true});
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->Encode("salt &amp;amp; pepper"), Tokenizer().Encode("salt & pepper"));
  EXPECT_EQ((*loaded)->Encode("caf&#233;"), Tokenizer().Encode("caf\u00e9"));
  EXPECT_NE(Tokenizer().Encode("salt &amp; pepper"), Tokenizer().Encode("salt & pepper"));
}

TEST(ClipTokenizerTest, AgreesWithHuggingFaceTokenizerJsonVocabulary) {
  // tokenizer.json (the HF fast tokenizer's data) carries the same vocabulary: spot-check ids.
  const auto text = testing::ReadFileBytes(testing::RequireShared("models/clip-tokenizer/tokenizer.json"));
  const nlohmann::json hf = nlohmann::json::parse(text);
  const auto& vocab = hf.at("model").at("vocab");
  EXPECT_EQ(vocab.at("photo</w>").get<int>(), 1125);
  EXPECT_EQ(vocab.at("cat</w>").get<int>(), 2368);
  EXPECT_EQ(Tokenizer().Encode("photo")[1], vocab.at("photo</w>").get<int>());
  EXPECT_EQ(Tokenizer().Encode("caf\u00e9")[1], vocab.at("cafÃ©</w>").get<int>());
}

TEST(ClipTokenizerTest, ConcurrentEncodingGivesTheSameIds) {
  const std::vector<std::string> texts{"a red dress", "Hello, world!!!", "caf\u00e9 au lait", "1234 apples"};
  std::vector<Ids> expected;
  for (const auto& t : texts) expected.push_back(Tokenizer().Encode(t));
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        const std::size_t k = (i + t) % texts.size();
        if (Tokenizer().Encode(texts[k] + " " + std::to_string(i % 17)) !=
            Tokenizer().Encode(texts[k] + " " + std::to_string(i % 17))) {
          ++mismatches[t];
        }
        if (Tokenizer().Encode(texts[k]) != expected[k]) ++mismatches[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

TEST(ClipTokenizerTest, LoadErrors) {
  testing::TempDir dir;
  EXPECT_EQ(ClipTokenizer::LoadFromDirectory(dir.path()).status().code(), StatusCode::kNotFound);
  std::ofstream(dir.path() / "vocab.json") << "{\"a\": 1}";
  std::ofstream(dir.path() / "merges.txt") << "#version: 0.2\na b\n";
  auto missing_specials = ClipTokenizer::LoadFromDirectory(dir.path());
  EXPECT_EQ(missing_specials.status().code(), StatusCode::kInvalidArgument);
  std::ofstream(dir.path() / "vocab.json") << "not json";
  EXPECT_EQ(ClipTokenizer::LoadFromDirectory(dir.path()).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace iris
