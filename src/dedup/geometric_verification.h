// Geometric verification for near-duplicate detection: are two photos views of the same picture, up to
// a crop, a resize, a rotation, padding or an overlay? Small, dependency-free local features:
//
//   * Detection: the photo's luma is resized so its longer side is `working_size`, then a pyramid of
//     `levels` levels (each `scale_factor` smaller); FAST-9 corners (16-pixel circle, 9 contiguous
//     brighter/darker by `fast_threshold`), 3x3 non-maximum suppression on the FAST score, the best
//     corners per level (share proportional to the level's area) up to `max_features` in all.
//   * Orientation: intensity centroid in a radius-15 disc (as ORB), so descriptors follow rotations.
//   * Descriptor: 256 binary intensity comparisons between point pairs drawn once from a fixed-seed
//     isotropic Gaussian inside the disc, rotated to the keypoint's orientation, on the level smoothed
//     with a 5-tap binomial filter (an ORB-like "steered BRIEF"; not trained, not bit-exact with ORB).
//   * Matching: brute force, Hamming distance, Lowe's ratio test (best < ratio * second best) and an
//     absolute distance limit.
//   * RANSAC over 2-point similarity transforms (scale, rotation, translation): the transform with the
//     most inliers (reprojection error < inlier_px in working pixels), refitted once by least squares.
//     Inliers are counted as distinct keypoints on both sides, so one corner matched on several pyramid
//     levels counts once. Mirror images are NOT similarity transforms: flips are the hash's job.
//   * Photometric check: under the fitted transform, the correlation of fine luma detail between the two
//     photos (detail_correlation below).
//
// Errors: an empty image is InvalidArgument. Deterministic (fixed seeds). Pure functions; thread-safe.
// Cost: ~10-20 ms to extract from a 0.2-1 MP photo, ~0.5 ms to verify one pair with 500 features.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "core/result.h"
#include "image/rgb_image.h"
#include "vision/color_space.h"

namespace iris {

struct FeatureOptions {
  int working_size = 512;  // longer side of pyramid level 0
  int max_features = 500;
  int levels = 4;
  double scale_factor = 1.3;
  int fast_threshold = 20;
};

struct Keypoint {
  float x = 0;  // level-0 working coordinates
  float y = 0;
  float angle = 0;  // radians
  int level = 0;
  int score = 0;
};

using BinaryDescriptor = std::array<std::uint64_t, 4>;  // 256 bits

struct LocalFeatures {
  int width = 0;  // size of the working frame (level 0)
  int height = 0;
  std::vector<Keypoint> keypoints;
  std::vector<BinaryDescriptor> descriptors;  // one per keypoint
  // Per descriptor, its 16-bit chunks (chunk c = bits 16c..16c+15) ordered by stability, 4 bits each,
  // the most stable in the low bits, 8 of them: the chunk whose closest intensity comparison is farthest
  // from a tie first. Used to pick the few chunks a stored photo is indexed under (signature_tiers.h).
  // Empty when unknown (signatures stored before it existed).
  std::vector<std::uint32_t> stable_chunks;
  LumaPlane thumbnail;  // luma, longer side kThumbnailSize, for the photometric check
};
inline constexpr int kThumbnailSize = 96;

Result<LocalFeatures> ExtractLocalFeatures(const RgbImage& image, const FeatureOptions& options = {});

int DescriptorDistance(const BinaryDescriptor& a, const BinaryDescriptor& b);

struct VerificationOptions {
  double ratio = 0.8;                // Lowe's ratio test
  int max_descriptor_distance = 64;  // of 256 bits
  int ransac_iterations = 500;
  double inlier_px = 6;    // reprojection error in working pixels (level 0 of the query)
  double min_scale = 0.2;  // plausible scale between the two working frames
  double max_scale = 5;
  std::uint32_t seed = 1;
};

struct FeatureMatch {
  int query = 0;   // keypoint index in the query
  int stored = 0;  // keypoint index in the stored photo
  int distance = 0;
};

// Matches passing the ratio test and distance limit, query order.
std::vector<FeatureMatch> MatchFeatures(const LocalFeatures& query, const LocalFeatures& stored,
                                        const VerificationOptions& options = {});

struct GeometricVerification {
  int matches = 0;  // tentative matches (after the ratio test)
  int inliers = 0;  // consistent with the best similarity transform (distinct keypoints)
  // stored = scale * R(rotation) * query + (tx, ty), in working coordinates; meaningful when inliers > 0.
  double scale = 0;
  double rotation_degrees = 0;
  double tx = 0;
  double ty = 0;
  // Photometric check under that transform: Pearson correlation of the two thumbnails' high-pass luma
  // (luma minus its 3x3 mean) over the query pixels that land inside the stored photo; -1 when fewer
  // than 20% of them do or there are no inliers. Catches "same background, different garment": the
  // shared background gives inliers, the garment's details do not correlate.
  double detail_correlation = -1;
  double overlap = 0;  // fraction of the query thumbnail inside the stored photo
};

GeometricVerification VerifyGeometry(const LocalFeatures& query, const LocalFeatures& stored,
                                     const VerificationOptions& options = {});

}  // namespace iris
