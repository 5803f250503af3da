// Face alignment: turning a detected face into the square crop a face-embedding model expects.
//
// Contract:
//   * With 5 landmarks (detection.h order: right eye, left eye, nose, right mouth, left mouth, i.e.
//     image-left first), AlignFace fits the least-squares similarity transform (rotation, uniform
//     scale, translation; no reflection or shear; Umeyama's estimate, here in its closed 2-D form)
//     that maps the landmarks onto the standard ArcFace 112x112 template (ArcFaceTemplate; scaled
//     by size / 112 for other sizes), and warps the image with it, sampling bilinearly.
//     Pixel (x, y) is the sample at coordinate (x, y), as OpenCV's warpAffine and the template use.
//   * Without landmarks, it takes a square of side max(width, height) * kBoxCropScale centred on
//     the box centre and scales it to size x size (the same bilinear warp, no rotation).
//   * Border: source positions outside the image read as black (0, 0, 0), as the insightface
//     reference (cv2.warpAffine with a constant border) does; a face cut by the image edge gets
//     a black edge, not smeared pixels.
//   * Errors (InvalidArgument, never a crash): invalid image, size outside 8..1024, a landmark
//     count other than 0 or 5, non-finite coordinates, landmarks that are all (nearly) the same
//     point, a box with no area when there are no landmarks.
//
// Pure functions; thread-safe. Downscaling is plain bilinear sampling (no antialiasing), like the
// reference pipelines the embedding models were trained with.
#pragma once

#include <array>
#include <span>

#include "core/result.h"
#include "image/rgb_image.h"
#include "vision/detection.h"

namespace iris {

// The box-only crop: a square of side max(box width, box height) times this, centred on the box.
inline constexpr float kBoxCropScale = 1.1f;

// dst = [a -b; b a] * src + [tx, ty]: scale sqrt(a^2 + b^2), rotation atan2(b, a).
struct SimilarityTransform {
  double a = 1, b = 0, tx = 0, ty = 0;

  PointF Apply(PointF p) const;
  // The inverse transform (a, b not both 0).
  SimilarityTransform Inverse() const;
};

// The ArcFace landmark template for a size x size crop (the 112 template times size / 112).
std::array<PointF, 5> ArcFaceTemplate(int size = 112);

// Least-squares similarity mapping `from` onto `to` (same count, at least 2 points).
// InvalidArgument when the counts differ or `from` is degenerate (all points the same).
Result<SimilarityTransform> EstimateSimilarity(std::span<const PointF> from, std::span<const PointF> to);

// The transform AlignFace uses for `face` (original image -> size x size crop).
Result<SimilarityTransform> FaceAlignmentTransform(const Detection& face, int size = 112);

// The aligned size x size face crop (see the contract above).
Result<RgbImage> AlignFace(const RgbImage& image, const Detection& face, int size = 112);

}  // namespace iris
