#include "regions/mask_rle.h"

namespace iris::regions {
namespace {

std::string CountsToString(const std::vector<std::int64_t>& counts) {
  std::string s;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    std::int64_t x = counts[i];
    if (i > 2) x -= counts[i - 2];
    bool more = true;
    while (more) {
      char c = static_cast<char>(x & 0x1f);
      x >>= 5;
      more = (c & 0x10) ? x != -1 : x != 0;
      if (more) c = static_cast<char>(c | 0x20);
      s.push_back(static_cast<char>(c + 48));
    }
  }
  return s;
}

Result<std::vector<std::int64_t>> CountsFromString(const std::string& s) {
  std::vector<std::int64_t> counts;
  std::size_t p = 0;
  while (p < s.size()) {
    std::int64_t x = 0;
    int k = 0;
    bool more = true;
    while (more) {
      if (p >= s.size() || k > 55) return InvalidArgument("malformed RLE counts");
      const int c = s[p] - 48;
      if (c < 0 || c > 63) return InvalidArgument("malformed RLE counts");
      x |= static_cast<std::int64_t>(c & 0x1f) << (5 * k);
      more = (c & 0x20) != 0;
      ++p;
      ++k;
      if (!more && (c & 0x10)) x |= -(std::int64_t{1} << (5 * k));
    }
    if (counts.size() > 2) x += counts[counts.size() - 2];
    counts.push_back(x);
  }
  return counts;
}

}  // namespace

MaskRle EncodeMaskRle(const std::vector<std::uint8_t>& mask, int width, int height) {
  std::vector<std::int64_t> counts;
  std::uint8_t current = 0;
  std::int64_t run = 0;
  for (int x = 0; x < width; ++x) {
    for (int y = 0; y < height; ++y) {
      const std::uint8_t v = mask[static_cast<std::size_t>(y) * width + x] ? 1 : 0;
      if (v != current) {
        counts.push_back(run);
        run = 0;
        current = v;
      }
      ++run;
    }
  }
  counts.push_back(run);
  return {width, height, CountsToString(counts)};
}

Result<std::vector<std::uint8_t>> DecodeMaskRle(const MaskRle& rle) {
  IRIS_ASSIGN_OR_RETURN(const std::vector<std::int64_t> counts, CountsFromString(rle.counts));
  const std::int64_t total = static_cast<std::int64_t>(rle.width) * rle.height;
  std::vector<std::uint8_t> mask(static_cast<std::size_t>(total), 0);
  std::int64_t at = 0;
  std::uint8_t v = 0;
  for (std::int64_t c : counts) {
    if (c < 0 || at + c > total) return InvalidArgument("RLE counts exceed the mask size");
    for (std::int64_t i = at; i < at + c; ++i) {
      const std::int64_t x = i / rle.height, y = i % rle.height;
      mask[static_cast<std::size_t>(y * rle.width + x)] = v;
    }
    at += c;
    v ^= 1;
  }
  if (at != total) return InvalidArgument("RLE counts do not cover the mask");
  return mask;
}

Result<MaskRle> MaskRleFromJson(const nlohmann::json& json) {
  if (!json.is_object() || !json.contains("size") || !json["size"].is_array() || json["size"].size() != 2 ||
      !json.contains("counts") || !json["counts"].is_string()) {
    return InvalidArgument("RLE must be {\"size\": [h, w], \"counts\": string}");
  }
  return MaskRle{json["size"][1].get<int>(), json["size"][0].get<int>(), json["counts"].get<std::string>()};
}

}  // namespace iris::regions
