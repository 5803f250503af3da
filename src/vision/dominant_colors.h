// Dominant colours of an image: the few colours that cover most of it, with their share of the
// pixels and a catalog colour name (color_names.h). Backs the `dominant_colors` operation.
//
// Algorithm:
//   1. Downsample by box-averaging f x f blocks, f = ceil(sqrt(pixels / max_pixels)), so at most about
//      max_pixels samples remain (an image already that small is used as is, so flat colours stay exact).
//   2. Convert every sample to CIE Lab (D65, color_space.h).
//   3. k-means in Lab (squared Euclidean distance) with k-means++ seeding. The random choices come from
//      a SplitMix64 generator seeded with `seed`, so equal input and options give equal output on every
//      platform. Seeding stops early when every sample already coincides with a centre (an image with
//      fewer than k distinct colours gives fewer clusters). Lloyd iterations stop when no sample changes
//      cluster or after max_iterations; clusters that lose all samples are dropped.
//   4. Clusters whose centres are within CIEDE2000 5 of each other ("nearly identical") are merged,
//      closest pair first (sample-weighted mean centre, summed shares), so the result may have fewer
//      than k colours.
//   5. ignore_background: the cluster that holds at least 60% of the samples on the image border (a
//      ring 2% of the shorter side wide, at least 1 sample) is taken as the background, which covers
//      the usual white or plain studio backdrop as well as a floor or sheet the item lies on. Its samples
//      are removed and steps 3-4 run again on the rest, so up to k foreground colours come back. When no
//      cluster holds 60% of the border, or the rest would be under 5% of the image, nothing is removed.
//      A close-up whose subject fills the whole frame loses its main colour this way: use it for
//      product photos, not for arbitrary scenes.
//   6. Sorted by share descending (ties: darker first); shares are sample fractions and sum to 1.
//
// Errors: InvalidArgument for an empty or inconsistent image, k outside 1..16, max_pixels < 1 or
// max_iterations < 1. Thread-safe (no shared state). Cost: about k x max_iterations x samples Lab
// distances after one pass over the image (a few ms for the defaults).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "image/rgb_image.h"

namespace iris {

struct DominantColor {
  std::array<std::uint8_t, 3> rgb{};  // the cluster's mean colour, back in 8-bit sRGB
  std::string hex;                    // "#rrggbb" of rgb
  std::string name;                   // nearest catalog name (color_names.h, CIEDE2000)
  double share = 0;                   // fraction of the (foreground) samples, 0..1
  std::array<double, 3> lab{};        // the cluster's mean colour in CIE Lab (D65)
};

struct DominantColorOptions {
  int k = 5;                       // clusters, 1..16
  int max_pixels = 40000;          // samples after downsampling (step 1)
  std::uint64_t seed = 1;          // k-means++ seed
  int max_iterations = 20;         // Lloyd iterations
  bool ignore_background = false;  // drop the colour that covers most of the border (step 5)
};

Result<std::vector<DominantColor>> DominantColors(const RgbImage& image, const DominantColorOptions& options = {});

}  // namespace iris
