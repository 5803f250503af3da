#include "support/coco_tiny.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "support/shared_data.h"

namespace iris::testing {
namespace {

std::vector<CocoImage> Load() {
  const auto json =
      nlohmann::json::parse(ReadFileBytes(RequireShared("data/coco-tiny/instances_train2017_small.json")));
  std::map<int, std::string> categories;
  for (const auto& c : json.at("categories")) categories[c.at("id").get<int>()] = c.at("name").get<std::string>();
  std::vector<CocoImage> images;
  std::map<int, std::size_t> by_id;
  for (const auto& i : json.at("images")) {
    by_id[i.at("id").get<int>()] = images.size();
    images.push_back({i.at("file_name").get<std::string>(), i.at("width").get<int>(), i.at("height").get<int>(), {}});
  }
  for (const auto& a : json.at("annotations")) {
    CocoInstance instance;
    instance.category = categories.at(a.at("category_id").get<int>());
    const auto& box = a.at("bbox");
    instance.x = box[0].get<double>();
    instance.y = box[1].get<double>();
    instance.w = box[2].get<double>();
    instance.h = box[3].get<double>();
    instance.crowd = a.at("iscrowd").get<int>() != 0;
    if (a.at("segmentation").is_array())
      instance.polygons = a.at("segmentation").get<std::vector<std::vector<double>>>();
    images.at(by_id.at(a.at("image_id").get<int>())).instances.push_back(std::move(instance));
  }
  return images;
}

}  // namespace

const std::vector<CocoImage>& CocoTinyImages() {
  static const std::vector<CocoImage> images = Load();
  return images;
}

std::vector<std::uint8_t> RasterisePolygons(const CocoInstance& instance, int width, int height) {
  std::vector<std::uint8_t> mask(static_cast<std::size_t>(width) * height, 0);
  for (const auto& poly : instance.polygons) {
    const std::size_t n = poly.size() / 2;
    if (n < 3) continue;
    for (int y = 0; y < height; ++y) {
      const double cy = y + 0.5;
      std::vector<double> crossings;
      for (std::size_t i = 0, j = n - 1; i < n; j = i++) {
        const double yi = poly[2 * i + 1], yj = poly[2 * j + 1];
        if ((yi > cy) == (yj > cy)) continue;
        crossings.push_back(poly[2 * i] + (cy - yi) * (poly[2 * j] - poly[2 * i]) / (yj - yi));
      }
      std::sort(crossings.begin(), crossings.end());
      for (std::size_t k = 0; k + 1 < crossings.size(); k += 2) {
        const int from = std::max(0, static_cast<int>(std::ceil(crossings[k] - 0.5)));
        const int to = std::min(width - 1, static_cast<int>(std::floor(crossings[k + 1] - 0.5)));
        for (int x = from; x <= to; ++x) mask[static_cast<std::size_t>(y) * width + x] ^= 1;
      }
    }
  }
  return mask;
}

const CocoInstance* ProminentInstance(const CocoImage& image, double min_share, double min_ratio) {
  const CocoInstance* best = nullptr;
  double second = 0;
  for (const auto& inst : image.instances) {
    if (inst.crowd || inst.polygons.empty()) continue;
    if (!best || inst.w * inst.h > best->w * best->h) {
      if (best) second = std::max(second, best->w * best->h);
      best = &inst;
    } else {
      second = std::max(second, inst.w * inst.h);
    }
  }
  if (!best) return nullptr;
  const double area = best->w * best->h;
  if (area < min_share * image.width * image.height || area < min_ratio * second) return nullptr;
  return best;
}

double MaskIoU(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b) {
  if (a.size() != b.size()) throw std::runtime_error("MaskIoU: masks of different sizes");
  std::size_t inter = 0, uni = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    inter += (a[i] && b[i]) ? 1 : 0;
    uni += (a[i] || b[i]) ? 1 : 0;
  }
  return uni ? static_cast<double>(inter) / static_cast<double>(uni) : 0.0;
}

}  // namespace iris::testing
