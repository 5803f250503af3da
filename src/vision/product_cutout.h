// Product cut-outs on pure white: the "White Background" product shot (seed 003, type 1; Amazon's main
// image rules) made locally from an ISNet foreground mask (vision/foreground_masker.h), with no provider.
//
//   KeptForeground  the mask's alpha with the specks removed: the connected parts (alpha >= 0.5,
//                   4-connected) smaller than min_part_fraction of the largest part are dropped (a pair of
//                   earrings keeps both), and everything outside the kept parts' box (plus a margin of 2%
//                   of its longer side) is cleared. The box is returned; it is empty when nothing is kept.
//   CompositeOnWhite
//                   every pixel of `image` put on white. With despill (the default) the background colour
//                   B behind each pixel is estimated locally (the mean colour of the sure-background pixels,
//                   alpha < 0.05, in a grid of cells, empty cells filled from their neighbours) and replaced
//                   by white: out = clamp(C + (1 - a)(255 - B), (1 - a) 255, 255), i.e. the colour unmixed
//                   from its background (F = (C - (1 - a) B) / a, clamped to 0..255) blended on white. Edges
//                   then carry no grey or dark fringe from a dark backdrop. Without despill: out = aC + (1-a)255.
//                   `a` is alpha remapped as clamp((alpha - 0.05) / 0.95) (never above alpha): below 0.05 is pure
//                   background.
//   WhiteBackgroundShot
//                   the product on a size x size pure-white canvas (RGB 255,255,255 wherever alpha is 0),
//                   scaled (bicubic, antialiased) so the kept box's longer side is `fill` of the canvas, and
//                   centred on the box's centre.
//
// Errors: InvalidArgument for an empty image, a mask of another size, size < 16 or fill outside (0, 1];
// Unprocessable when the mask keeps nothing ("no product found"). Pure functions; thread-safe.
#pragma once

#include <vector>

#include "core/result.h"
#include "image/image_geometry.h"
#include "image/rgb_image.h"
#include "vision/foreground_masker.h"

namespace iris {

struct WhiteBackgroundOptions {
  int size = 2000;
  double fill = 0.85;
  double min_part_fraction = 0.02;
  bool despill = true;
};

struct KeptForegroundResult {
  std::vector<float> alpha;  // width x height of the mask, 0..1
  PixelBox box;              // of the kept parts (alpha >= 0.5); empty when none
  int parts_kept = 0;
  int parts_dropped = 0;
};

KeptForegroundResult KeptForeground(const ForegroundMask& mask, double min_part_fraction);

Result<RgbImage> CompositeOnWhite(const RgbImage& image, const std::vector<float>& alpha, bool despill);

Result<RgbImage> WhiteBackgroundShot(const RgbImage& image, const ForegroundMask& mask,
                                     const WhiteBackgroundOptions& options = {});

}  // namespace iris
