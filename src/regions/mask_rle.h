// COCO run-length encoding of binary masks, as pycocotools writes it: runs over the mask in
// column-major order (down each column, columns left to right), starting with a run of zeros
// (possibly empty), and the counts compressed into COCO's ASCII string (rleToString: 5-bit groups
// with a continuation bit, offset 48, each count after the second stored as the difference to the
// count two before). {"size": [height, width], "counts": "<string>"} in JSON.
//
// Errors: DecodeMaskRle returns InvalidArgument for a malformed string or counts that do not sum to
// height * width. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/result.h"

namespace iris::regions {

struct MaskRle {
  int width = 0;
  int height = 0;
  std::string counts;  // COCO compressed string

  nlohmann::json ToJson() const { return {{"size", {height, width}}, {"counts", counts}}; }
  bool operator==(const MaskRle&) const = default;
};

// `mask` is row-major width x height, non-zero = inside.
MaskRle EncodeMaskRle(const std::vector<std::uint8_t>& mask, int width, int height);
// Back to a row-major 0/1 mask.
Result<std::vector<std::uint8_t>> DecodeMaskRle(const MaskRle& rle);
Result<MaskRle> MaskRleFromJson(const nlohmann::json& json);

}  // namespace iris::regions
