#include "vision/tiled_detection.h"

#include <algorithm>
#include <cmath>

namespace iris {

Result<std::vector<Detection>> DetectTiled(const ObjectDetector& detector, const RgbImage& image,
                                           const ObjectDetectorOptions& options, int grid, double overlap) {
  IRIS_ASSIGN_OR_RETURN(std::vector<Detection> all, detector.Detect(image, options));
  if (grid < 2) return all;
  const double tile_w = static_cast<double>(image.width) / grid, tile_h = static_cast<double>(image.height) / grid;
  const int pad_x = static_cast<int>(std::lround(tile_w * overlap)),
            pad_y = static_cast<int>(std::lround(tile_h * overlap));
  for (int ty = 0; ty < grid; ++ty) {
    for (int tx = 0; tx < grid; ++tx) {
      PixelBox box;
      box.x0 = std::max(0, static_cast<int>(std::lround(tx * tile_w)) - (tx > 0 ? pad_x : 0));
      box.y0 = std::max(0, static_cast<int>(std::lround(ty * tile_h)) - (ty > 0 ? pad_y : 0));
      box.x1 = std::min(image.width, static_cast<int>(std::lround((tx + 1) * tile_w)) + (tx + 1 < grid ? pad_x : 0));
      box.y1 = std::min(image.height, static_cast<int>(std::lround((ty + 1) * tile_h)) + (ty + 1 < grid ? pad_y : 0));
      if (box.empty()) continue;
      IRIS_ASSIGN_OR_RETURN(const RgbImage tile, Crop(image, box));
      IRIS_ASSIGN_OR_RETURN(std::vector<Detection> found, detector.Detect(tile, options));
      constexpr float kEdge = 2.0f;  // pixels: a box this close to an inner tile edge was cut by it
      for (auto& d : found) {
        const bool cut = (box.x0 > 0 && d.x0 < kEdge) || (box.y0 > 0 && d.y0 < kEdge) ||
                         (box.x1 < image.width && d.x1 > static_cast<float>(box.width()) - kEdge) ||
                         (box.y1 < image.height && d.y1 > static_cast<float>(box.height()) - kEdge);
        if (cut) continue;
        d.x0 += static_cast<float>(box.x0);
        d.x1 += static_cast<float>(box.x0);
        d.y0 += static_cast<float>(box.y0);
        d.y1 += static_cast<float>(box.y0);
        for (auto& p : d.landmarks) {
          p.x += static_cast<float>(box.x0);
          p.y += static_cast<float>(box.y0);
        }
        all.push_back(std::move(d));
      }
    }
  }
  std::vector<Detection> kept = NonMaxSuppression(std::move(all), options.nms_iou, /*class_aware=*/true);
  if (kept.size() > static_cast<std::size_t>(options.max_detections)) {
    kept.resize(static_cast<std::size_t>(options.max_detections));
  }
  return kept;
}

}  // namespace iris
