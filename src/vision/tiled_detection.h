// DetectTiled: object detection over the whole image plus a grid of overlapping tiles, merged by
// class-aware NMS. YOLOX-Nano sees a 640-px photo at 416 px, so small objects (cups, spoons, a
// mouse) fall under its stride; on a 2x2 grid each tile is seen at about twice the scale.
//
// Contract: grid = 1 is exactly ObjectDetector::Detect. For grid = n >= 2 the image is cut into
// n x n tiles, each 1/n of the side plus `overlap` of a tile on the inner edges; each tile's
// detections are mapped back to image pixels, detections touching an inner tile edge (cut objects)
// are dropped unless they came from the whole image, then everything is merged by class-aware NMS at
// options.nms_iou and cut to options.max_detections, sorted by score. Errors: Detect's.
// Thread-safe (the detector is).
#pragma once

#include <vector>

#include "vision/object_detector.h"

namespace iris {

Result<std::vector<Detection>> DetectTiled(const ObjectDetector& detector, const RgbImage& image,
                                           const ObjectDetectorOptions& options, int grid, double overlap = 0.2);

}  // namespace iris
