// Detection: one object or face a detector found, in ORIGINAL image pixel coordinates (floats,
// x0 <= x1, y0 <= y1, clamped to the image), with its score (0..1), class (index into the model's
// labels; 0 for faces) and, for face detectors that have them, 5 landmarks in the order
// right eye, left eye, nose tip, right mouth corner, left mouth corner (the subject's right/left,
// i.e. image-left eye first, as YuNet and the ArcFace alignment template use).
//
// Also the small shared geometry every detector needs: IoU and greedy non-maximum suppression.
// Pure value types and functions; thread-safe.
#pragma once

#include <array>
#include <span>
#include <string>
#include <vector>

#include "image/image_geometry.h"

namespace iris {

struct PointF {
  float x = 0;
  float y = 0;
};

struct Detection {
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  float score = 0;
  int class_id = 0;
  std::string label;              // e.g. "person", "face"
  std::vector<PointF> landmarks;  // empty, or 5 points (see above)

  float width() const { return x1 - x0; }
  float height() const { return y1 - y0; }
  float area() const { return width() > 0 && height() > 0 ? width() * height() : 0.0f; }
  // The integer box covering the detection, clamped to width x height (for cropping).
  PixelBox ToPixelBox(int image_width, int image_height) const;
};

// Intersection over union of two boxes (0 when either is empty).
float IoU(const Detection& a, const Detection& b);

// Greedy NMS: sorts by score (descending) and drops a box whose IoU with a kept box of the same
// class_id is above iou_threshold (all classes together when class_aware is false).
std::vector<Detection> NonMaxSuppression(std::vector<Detection> detections, float iou_threshold,
                                         bool class_aware = true);

}  // namespace iris
