// The coco-tiny annotations (../shared/data/coco-tiny/instances_train2017_small.json) for tests and
// benchmarks: every image with its instances (category name, xywh box, crowd flag, polygons) and a
// rasteriser for an instance's polygons. Throws std::runtime_error when the file is missing or
// malformed (a test failure, never a skip). Pure functions apart from reading the file; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace iris::testing {

struct CocoInstance {
  std::string category;
  double x = 0, y = 0, w = 0, h = 0;  // COCO xywh, pixels
  bool crowd = false;
  std::vector<std::vector<double>> polygons;  // each x0,y0,x1,y1,... (empty for RLE crowd instances)
};

struct CocoImage {
  std::string file;  // "000000391895.jpg" (under data/coco-tiny/images/)
  int width = 0, height = 0;
  std::vector<CocoInstance> instances;
};

// Every image, in the file's order.
const std::vector<CocoImage>& CocoTinyImages();

// The instance's polygons as a width x height 0/1 mask (pixel centres inside, even-odd rule).
std::vector<std::uint8_t> RasterisePolygons(const CocoInstance& instance, int width, int height);

// The image's one prominent object, for cut-out measurements: its largest non-crowd polygon instance when
// that covers at least `min_share` of the frame and is at least `min_ratio` times the next largest one;
// nullptr otherwise.
const CocoInstance* ProminentInstance(const CocoImage& image, double min_share = 0.15, double min_ratio = 1.5);

// Intersection over union of two 0/1 masks of equal size (0 when both are empty).
double MaskIoU(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b);

}  // namespace iris::testing
