#include "vision/detection.h"

#include <algorithm>
#include <cmath>

namespace iris {

PixelBox Detection::ToPixelBox(int image_width, int image_height) const {
  PixelBox box;
  box.x0 = std::clamp(static_cast<int>(std::floor(x0)), 0, image_width);
  box.y0 = std::clamp(static_cast<int>(std::floor(y0)), 0, image_height);
  box.x1 = std::clamp(static_cast<int>(std::ceil(x1)), 0, image_width);
  box.y1 = std::clamp(static_cast<int>(std::ceil(y1)), 0, image_height);
  return box;
}

float IoU(const Detection& a, const Detection& b) {
  const float ix0 = std::max(a.x0, b.x0);
  const float iy0 = std::max(a.y0, b.y0);
  const float ix1 = std::min(a.x1, b.x1);
  const float iy1 = std::min(a.y1, b.y1);
  const float inter = std::max(0.0f, ix1 - ix0) * std::max(0.0f, iy1 - iy0);
  const float uni = a.area() + b.area() - inter;
  return uni > 0 ? inter / uni : 0.0f;
}

std::vector<Detection> NonMaxSuppression(std::vector<Detection> detections, float iou_threshold, bool class_aware) {
  std::stable_sort(detections.begin(), detections.end(),
                   [](const Detection& a, const Detection& b) { return a.score > b.score; });
  std::vector<Detection> kept;
  for (auto& candidate : detections) {
    bool suppressed = false;
    for (const auto& k : kept) {
      if (class_aware && k.class_id != candidate.class_id) continue;
      if (IoU(k, candidate) > iou_threshold) {
        suppressed = true;
        break;
      }
    }
    if (!suppressed) kept.push_back(std::move(candidate));
  }
  return kept;
}

}  // namespace iris
