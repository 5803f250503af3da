// NormalisePrompt: the seed's "normaliser" step. Turns a free-text prompt ("Please find the red
// sofa on the left") into the terms the filter and matcher use.
//
// Rules:
//   * ASCII lower-case; every character that is not a letter or digit separates words.
//   * Filler words (articles, "please", "find", "show me", "the one", ...) are dropped.
//   * Two-word phrases are tried before single words ("dining table", "light blue", "cell phone").
//   * Object terms are the detector's class names (given by the caller, e.g. the 80 COCO names) and
//     "face"; synonyms map to them ("sofa" -> "couch", "man" -> "person", "tv"/"television" -> "tv",
//     "table" -> "dining table"); a plural ending -s/-es is dropped when the singular is known.
//   * Colour terms are the palette names (vision/color_names.h) plus "grey" -> "gray", "violet" ->
//     "purple", "dark blue" -> "navy"; material terms a fixed list ("wooden" -> "wood", "metallic" ->
//     "metal", ...); position terms left, right, top, bottom, centre, largest, smallest (with
//     "center"/"middle", "upper"/"lower", "biggest"/"big"/"large", "small"/"tiny"/"little").
//   * Anything else is kept in `other`, in order. `text` is the kept terms joined by spaces.
// Pure function; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace iris::regions {

struct NormalisedPrompt {
  std::string text;
  std::vector<std::string> objects;
  std::vector<std::string> colors;
  std::vector<std::string> materials;
  std::vector<std::string> positions;
  std::vector<std::string> other;

  bool empty() const { return objects.empty() && colors.empty() && materials.empty() && positions.empty(); }
};

NormalisedPrompt NormalisePrompt(std::string_view prompt, const std::vector<std::string>& class_names);

}  // namespace iris::regions
