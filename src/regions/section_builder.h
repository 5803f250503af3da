// BuildSections: the section hierarchy of one image (section.h) from what the models found: object
// detections, face detections and the ISNet foreground mask. No model runs here; the caller
// (app/process_image_service) runs them.
//
// Rules:
//   * s0 is the whole image. When a foreground mask is given and its pixels (alpha >= 0.5) cover
//     between min_foreground and max_foreground of the image, it is a section ("foreground", bbox =
//     the mask's extent). Each connected part of it that holds at least min_part of the image is
//     also a section ("foreground part") when there are two or more such parts.
//   * Every object and face is a section, objects first by score, then faces by score. Its bbox is
//     the detector's box (rounded outwards, clamped); its mask is the box, narrowed to the
//     foreground pixels inside it when those fill at least refine_fill of the box (a person on a
//     plain backdrop gets its silhouette, a box in a cluttered scene stays a box).
//   * Parent: the smallest section, bigger by box area, whose box contains at least `containment`
//     of this section's box; the root otherwise. Children follow in map order.
//   * Sections whose box is under min_box pixels are dropped.
// Pure function; thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "regions/section.h"
#include "vision/detection.h"

namespace iris::regions {

struct SectionBuildOptions {
  double min_foreground = 0.01;
  double max_foreground = 0.95;
  double min_part = 0.005;
  double refine_fill = 0.3;
  double containment = 0.9;
  std::int64_t min_box = 16;
};

struct SectionInputs {
  int width = 0, height = 0;
  std::vector<Detection> objects;
  std::vector<Detection> faces;
  const std::vector<std::uint8_t>* foreground = nullptr;  // row-major 0/1, width x height; may be null
};

struct BuiltSections {
  SectionMap map;
  std::vector<std::vector<std::uint8_t>> masks;  // dense 0/1 mask of each section, same order
};

BuiltSections BuildSections(const SectionInputs& inputs, const SectionBuildOptions& options = {});

}  // namespace iris::regions
