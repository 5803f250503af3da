// Section: one region of an image in the hierarchy that POST /process-image matches a prompt against
// (the seed's "mask generation" sections): the whole image, the foreground (ISNet), detected objects
// (YOLOX, 80 COCO classes) and faces (YuNet), each with its parent/children, box, mask (COCO RLE)
// and the local analysis (type, visual elements, dominant colours).
//
// Contract:
//   * Ids are "s<n>", n = position in the SectionMap; the root (the whole image) is "s0" and is the
//     only section without a parent. children lists ids in map order. bbox is in original image
//     pixels (x, y, width, height, clamped to the image); area is the mask's pixel count.
//   * ToJson/SectionMapFromJson round-trip exactly (the result cache stores the JSON); FromJson
//     returns InvalidArgument for a document that is not a section map.
// Plain value types; thread-safe as values.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/result.h"
#include "regions/mask_rle.h"

namespace iris::regions {

struct SectionBox {
  int x = 0, y = 0, width = 0, height = 0;
  std::int64_t area() const { return static_cast<std::int64_t>(width) * height; }
  double center_x() const { return x + width / 2.0; }
  double center_y() const { return y + height / 2.0; }
  bool operator==(const SectionBox&) const = default;
};

// Intersection over union of two boxes (0 when either is empty).
double BoxIoU(const SectionBox& a, const SectionBox& b);
// The fraction of `inner`'s area that lies inside `outer` (0 for an empty inner box).
double BoxContainment(const SectionBox& inner, const SectionBox& outer);

struct SectionColor {
  std::string name;  // palette name (vision/color_names.h)
  std::string hex;
  double share = 0;
  std::array<double, 3> lab{};
  bool operator==(const SectionColor&) const = default;
};

struct Section {
  std::string id;
  std::string parent;  // "" for the root
  std::vector<std::string> children;
  std::string source;  // "image", "foreground", "object", "face"
  std::string label;   // detector class name, "face", "foreground" or "image"
  float score = 1;     // detector confidence; 1 for the image and the foreground
  SectionBox bbox;
  std::int64_t area = 0;
  MaskRle mask;
  // Local analysis.
  std::string type;                          // the label, e.g. "person", "face", "foreground"
  std::vector<std::string> visual_elements;  // e.g. {"person", "red", "left"}
  std::vector<SectionColor> colors;          // dominant colours of the masked pixels, by share
  bool operator==(const Section&) const = default;
};

struct SectionMap {
  int width = 0, height = 0;
  std::vector<Section> sections;  // sections[0] is the root

  const Section* Find(const std::string& id) const;
};

nlohmann::json SectionToJson(const Section& section, bool with_mask);
nlohmann::json SectionMapToJson(const SectionMap& map, bool with_masks);
Result<SectionMap> SectionMapFromJson(const nlohmann::json& json);

}  // namespace iris::regions
