#include "regions/prompt.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "vision/color_names.h"

namespace iris::regions {
namespace {

const std::set<std::string_view>& Fillers() {
  static const std::set<std::string_view> words = {
      "a",      "an",      "the",   "this",    "that",  "these", "those",  "please",    "find",   "show",
      "me",     "select",  "get",   "give",    "i",     "want",  "need",   "where",     "is",     "are",
      "of",     "in",      "on",    "at",      "to",    "with",  "one",    "ones",      "thing",  "things",
      "object", "objects", "item",  "items",   "which", "who",   "there",  "my",        "your",   "some",
      "any",    "and",     "or",    "side",    "hand",  "most",  "for",    "looking",   "can",    "you",
      "its",    "it",      "image", "picture", "photo", "part",  "region", "highlight", "locate", "what",
      "mark",   "pick",    "by",    "from",    "whose", "has",   "have",   "wearing",   "s"};
  return words;
}

const std::map<std::string_view, std::string_view>& ObjectSynonyms() {
  static const std::map<std::string_view, std::string_view> words = {{"sofa", "couch"},
                                                                     {"settee", "couch"},
                                                                     {"television", "tv"},
                                                                     {"monitor", "tv"},
                                                                     {"screen", "tv"},
                                                                     {"man", "person"},
                                                                     {"men", "person"},
                                                                     {"woman", "person"},
                                                                     {"women", "person"},
                                                                     {"boy", "person"},
                                                                     {"girl", "person"},
                                                                     {"child", "person"},
                                                                     {"children", "person"},
                                                                     {"kid", "person"},
                                                                     {"guy", "person"},
                                                                     {"lady", "person"},
                                                                     {"people", "person"},
                                                                     {"human", "person"},
                                                                     {"someone", "person"},
                                                                     {"player", "person"},
                                                                     {"motorbike", "motorcycle"},
                                                                     {"bike", "bicycle"},
                                                                     {"phone", "cell phone"},
                                                                     {"cellphone", "cell phone"},
                                                                     {"smartphone", "cell phone"},
                                                                     {"mobile", "cell phone"},
                                                                     {"table", "dining table"},
                                                                     {"desk", "dining table"},
                                                                     {"plant", "potted plant"},
                                                                     {"houseplant", "potted plant"},
                                                                     {"fridge", "refrigerator"},
                                                                     {"mug", "cup"},
                                                                     {"puppy", "dog"},
                                                                     {"kitten", "cat"},
                                                                     {"automobile", "car"},
                                                                     {"plane", "airplane"},
                                                                     {"aeroplane", "airplane"},
                                                                     {"ball", "sports ball"},
                                                                     {"doughnut", "donut"},
                                                                     {"hotdog", "hot dog"},
                                                                     {"racket", "tennis racket"},
                                                                     {"bat", "baseball bat"},
                                                                     {"glove", "baseball glove"},
                                                                     {"lorry", "truck"},
                                                                     {"ship", "boat"},
                                                                     {"computer", "laptop"},
                                                                     {"cattle", "cow"},
                                                                     {"calf", "cow"},
                                                                     {"bull", "cow"},
                                                                     {"lamb", "sheep"},
                                                                     {"pony", "horse"},
                                                                     {"purse", "handbag"},
                                                                     {"bag", "handbag"},
                                                                     {"luggage", "suitcase"},
                                                                     {"knives", "knife"},
                                                                     {"faces", "face"},
                                                                     {"ski", "skis"},
                                                                     {"television set", "tv"}};
  return words;
}

const std::map<std::string_view, std::string_view>& ColorSynonyms() {
  static const std::map<std::string_view, std::string_view> words = {
      {"grey", "gray"}, {"violet", "purple"}, {"dark blue", "navy"}, {"golden", "gold"}, {"light grey", "silver"}};
  return words;
}

const std::map<std::string_view, std::string_view>& Materials() {
  static const std::map<std::string_view, std::string_view> words = {
      {"wood", "wood"},       {"wooden", "wood"},       {"metal", "metal"},     {"metallic", "metal"},
      {"steel", "metal"},     {"glass", "glass"},       {"plastic", "plastic"}, {"leather", "leather"},
      {"fabric", "fabric"},   {"cotton", "fabric"},     {"wool", "wool"},       {"woollen", "wool"},
      {"ceramic", "ceramic"}, {"porcelain", "ceramic"}, {"paper", "paper"},     {"stone", "stone"},
      {"marble", "stone"},    {"silk", "silk"}};
  return words;
}

const std::map<std::string_view, std::string_view>& Positions() {
  static const std::map<std::string_view, std::string_view> words = {
      {"left", "left"},      {"leftmost", "left"},  {"right", "right"},     {"rightmost", "right"},
      {"top", "top"},        {"upper", "top"},      {"above", "top"},       {"bottom", "bottom"},
      {"lower", "bottom"},   {"below", "bottom"},   {"centre", "centre"},   {"center", "centre"},
      {"middle", "centre"},  {"central", "centre"}, {"largest", "largest"}, {"biggest", "largest"},
      {"big", "largest"},    {"large", "largest"},  {"main", "largest"},    {"smallest", "smallest"},
      {"small", "smallest"}, {"tiny", "smallest"},  {"little", "smallest"}};
  return words;
}

std::vector<std::string> Words(std::string_view prompt) {
  std::vector<std::string> words;
  std::string current;
  for (char c : prompt) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'a' && u <= 'z') || (u >= '0' && u <= '9')) {
      current.push_back(c);
    } else if (u >= 'A' && u <= 'Z') {
      current.push_back(static_cast<char>(u - 'A' + 'a'));
    } else if (!current.empty()) {
      words.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) words.push_back(std::move(current));
  return words;
}

void AddOnce(std::vector<std::string>& terms, std::string_view term) {
  if (std::find(terms.begin(), terms.end(), term) == terms.end()) terms.emplace_back(term);
}

class Classifier {
 public:
  explicit Classifier(const std::vector<std::string>& class_names) {
    for (const auto& n : class_names) objects_.insert(n);
    objects_.insert("face");
    for (const auto& c : ColorPalette()) colors_.insert(std::string(c.name));
  }

  // Adds `phrase` to the prompt's terms when it is one; true if it was.
  bool Take(const std::string& phrase, NormalisedPrompt& out) const {
    if (auto object = Object(phrase)) return AddOnce(out.objects, *object), true;
    if (colors_.count(phrase)) return AddOnce(out.colors, phrase), true;
    if (auto it = ColorSynonyms().find(phrase); it != ColorSynonyms().end())
      return AddOnce(out.colors, it->second), true;
    if (auto it = Materials().find(phrase); it != Materials().end()) return AddOnce(out.materials, it->second), true;
    if (auto it = Positions().find(phrase); it != Positions().end()) return AddOnce(out.positions, it->second), true;
    return false;
  }

 private:
  std::optional<std::string> Object(const std::string& phrase) const {
    if (objects_.count(phrase)) return phrase;
    if (auto it = ObjectSynonyms().find(phrase); it != ObjectSynonyms().end()) return std::string(it->second);
    for (std::string_view suffix : {"es", "s"}) {
      if (phrase.size() > suffix.size() + 1 && phrase.ends_with(suffix)) {
        const std::string singular = phrase.substr(0, phrase.size() - suffix.size());
        if (objects_.count(singular)) return singular;
        if (auto it = ObjectSynonyms().find(singular); it != ObjectSynonyms().end()) return std::string(it->second);
      }
    }
    return std::nullopt;
  }

  std::set<std::string, std::less<>> objects_;
  std::set<std::string, std::less<>> colors_;
};

}  // namespace

NormalisedPrompt NormalisePrompt(std::string_view prompt, const std::vector<std::string>& class_names) {
  const Classifier classifier(class_names);
  const std::vector<std::string> words = Words(prompt);
  NormalisedPrompt out;
  std::vector<std::string> kept;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i + 1 < words.size()) {
      const std::string pair = words[i] + " " + words[i + 1];
      if (classifier.Take(pair, out)) {
        kept.push_back(pair);
        ++i;
        continue;
      }
    }
    if (classifier.Take(words[i], out)) {
      kept.push_back(words[i]);
    } else if (!Fillers().count(words[i])) {
      out.other.push_back(words[i]);
      kept.push_back(words[i]);
    }
  }
  for (const auto& k : kept) out.text += (out.text.empty() ? "" : " ") + k;
  return out;
}

}  // namespace iris::regions
