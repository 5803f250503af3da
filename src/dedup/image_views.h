// Normalised views of a photo for duplicate hashing: what a copy may have added or changed that the
// perceptual hash (vision/perceptual_hash.h) does not survive, undone where it can be undone cheaply.
//
//   * TrimUniformBorders: removes padding / letterbox / pillarbox bars (rows and columns at the edges
//     whose pixels are, nearly all, close to the colour of that edge's corner). A photo without bars
//     comes back unchanged. Also strips a plain studio background margin, the same way for the stored
//     photo and the query, so both hash the same content.
//   * Dihedral: the 8 orientations (identity, 3 rotations by 90 degrees, and their mirror images), so a
//     flipped or quarter-turned copy hashes like the original in one of them.
//
// Errors: an empty image is InvalidArgument. Pure functions; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <utility>

#include "core/result.h"
#include "image/rgb_image.h"
#include "vision/color_space.h"

namespace iris {

struct TrimOptions {
  int tolerance = 24;               // max |channel - edge colour| for a pixel to count as border
  double min_fraction = 0.97;       // a row/column is border when at least this fraction of it is border
  double max_trim_fraction = 0.45;  // never trims more than this fraction of a side (keeps the content)
};

// The inner box after trimming (x0,y0,x1,y1 half-open), and the cropped image.
struct TrimmedImage {
  RgbImage image;
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // the kept box in the input image
  bool trimmed = false;                // false: the box is the whole input
};
Result<TrimmedImage> TrimUniformBorders(const RgbImage& image, const TrimOptions& options = {});

enum class Orientation : std::uint8_t {
  kIdentity = 0,
  kRotate90,  // clockwise
  kRotate180,
  kRotate270,
  kFlipHorizontal,  // mirror left-right
  kTranspose,       // mirror about the main diagonal (= flip_h, then rotate 270)
  kFlipVertical,
  kTransverse,  // mirror about the anti-diagonal (= flip_h, then rotate 90)
};
inline constexpr std::array<Orientation, 8> kAllOrientations = {
    Orientation::kIdentity,       Orientation::kRotate90,  Orientation::kRotate180,    Orientation::kRotate270,
    Orientation::kFlipHorizontal, Orientation::kTranspose, Orientation::kFlipVertical, Orientation::kTransverse};
std::string_view OrientationName(Orientation orientation);  // "identity", "rot90", "flip_h", ...
// Whether `orientation` swaps width and height (the quarter turns and the two diagonal mirrors).
bool SwapsAxes(Orientation orientation);
// The source pixel (of a w x h image) that lands at (x, y) of the image turned into `orientation`.
std::pair<int, int> DihedralSource(Orientation orientation, int x, int y, int w, int h);

// `image` turned into `orientation`.
RgbImage Dihedral(const RgbImage& image, Orientation orientation);

// Downscales so the longer side is at most max_side (area filter); smaller images are returned as is.
// Used to make hashing views cheap: the pHash resizes to 32x32 anyway.
Result<RgbImage> ShrinkToMaxSide(const RgbImage& image, int max_side);

// Photometric confirmation of a hash match. A view's thumbnail is its luma area-resized to exactly
// kViewThumbnailSize squared (aspect ignored, like the pHash). HighPassLuma subtracts the 3x3 mean (edges
// clamped), leaving fine detail. DetailCorrelation is the Pearson correlation of two same-sized planes'
// high-pass detail: near 1 for copies of one picture, near 0 for different photos whose coarse layout
// (all a pHash sees) happens to agree; -1 when the sizes differ or a plane is flat.
inline constexpr int kViewThumbnailSize = 48;
LumaPlane ViewThumbnail(const RgbImage& view);
LumaPlane HighPassLuma(const LumaPlane& plane);
double DetailCorrelation(const LumaPlane& a, const LumaPlane& b);

}  // namespace iris
