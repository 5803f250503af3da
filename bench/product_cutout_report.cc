// White-background product shots on real photos (numbers for docs/product-shots.md; not timed).
//
// For every coco-tiny photo whose largest object is prominent (>= 15% of the frame, no other object over
// two thirds of its area): the IoU of the kept ISNet cut-out (vision/product_cutout.h, alpha >= 0.5) against that
// object's COCO polygon, and the dark-fringe rate of the edge band (0.05 < alpha < 0.95): the share of its
// pixels darker (luma) than every sure-foreground pixel (alpha >= 0.95) within 3 pixels, minus 10 — with and
// without despill. Writes a picture of five results (original | shot) to the path given (default
// docs/images/product-shots-examples.jpg).
//
//   build/bench/iris_product_cutout_report [out.jpg]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "image/image_decoder.h"
#include "image/image_encoder.h"
#include "image/resample.h"
#include "models/model_catalog.h"
#include "support/coco_tiny.h"
#include "support/shared_data.h"
#include "vision/foreground_masker.h"
#include "vision/product_cutout.h"

namespace {

using namespace iris;
using iris::testing::RequireShared;

double Luma(const std::uint8_t* p) { return 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]; }

// Share of the edge band that is darker than the product around it.
double DarkFringeRate(const RgbImage& composite, const std::vector<float>& alpha) {
  long edge = 0, dark = 0;
  const int w = composite.width, h = composite.height;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const float a = alpha[static_cast<std::size_t>(y) * w + x];
      if (a <= 0.05f || a >= 0.95f) continue;
      double darkest_fg = 1e9;
      for (int dy = -3; dy <= 3; ++dy) {
        for (int dx = -3; dx <= 3; ++dx) {
          const int nx = x + dx, ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= w || ny >= h || alpha[static_cast<std::size_t>(ny) * w + nx] < 0.95f) continue;
          darkest_fg = std::min(darkest_fg, Luma(composite.row(ny) + 3 * nx));
        }
      }
      if (darkest_fg > 1e8) continue;  // no product pixel next to it
      ++edge;
      if (Luma(composite.row(y) + 3 * x) < darkest_fg - 10) ++dark;
    }
  }
  return edge ? static_cast<double>(dark) / edge : 0;
}

// `image` fitted into a side x side grey tile.
RgbImage Tile(const RgbImage& image, int side) {
  const double scale = static_cast<double>(side) / std::max(image.width, image.height);
  const int w = std::max(1, static_cast<int>(image.width * scale)),
            h = std::max(1, static_cast<int>(image.height * scale));
  RgbImage small = Resize(image, w, h).value();
  RgbImage tile{side, side, std::vector<std::uint8_t>(static_cast<std::size_t>(side) * side * 3, 200)};
  const int ox = (side - w) / 2, oy = (side - h) / 2;
  for (int y = 0; y < h; ++y) std::copy_n(small.row(y), small.stride(), tile.row(y + oy) + 3 * ox);
  return tile;
}

}  // namespace

int main(int argc, char** argv) {
  const std::filesystem::path out = argc > 1 ? argv[1] : "docs/images/product-shots-examples.jpg";
  auto catalog = models::ModelCatalog::LoadDefault([](const std::string&) { return std::nullopt; });
  auto masker = ForegroundMasker::Load(*catalog->Find("isnet-general-small-int8").value(),
                                       RequireShared("models/segmentation-isnet/isnet_general_small_int8.onnx"), {});
  if (!masker.ok()) {
    std::fprintf(stderr, "%s\n", masker.status().ToString().c_str());
    return 1;
  }
  constexpr int kTile = 360;
  std::vector<RgbImage> rows;
  double raw_iou_sum = 0, iou_sum = 0, fringe_clean_sum = 0, fringe_plain_sum = 0;
  int n = 0;
  std::printf(
      "| photo | object | share of frame | IoU, ISNet mask | IoU, kept cut-out | dark fringe, despill | dark fringe, "
      "plain |\n|---|---|---|---|---|---|---|\n");
  for (const auto& coco : iris::testing::CocoTinyImages()) {
    const iris::testing::CocoInstance* best = iris::testing::ProminentInstance(coco);
    if (!best) continue;
    const double area = best->w * best->h;
    auto decoded = DecodeImage(iris::testing::ReadFileBytes(RequireShared("data/coco-tiny/images/" + coco.file)), {});
    auto mask = (*masker)->Mask(decoded->image);
    const KeptForegroundResult kept = KeptForeground(*mask, 0.02);
    std::vector<std::uint8_t> cut(kept.alpha.size());
    for (std::size_t i = 0; i < cut.size(); ++i) cut[i] = kept.alpha[i] >= 0.5f ? 1 : 0;
    const auto truth = iris::testing::RasterisePolygons(*best, coco.width, coco.height);
    const double iou = iris::testing::MaskIoU(cut, truth);
    const double raw_iou = iris::testing::MaskIoU(mask->Binary(0.5f), truth);
    const double clean = DarkFringeRate(CompositeOnWhite(decoded->image, kept.alpha, true).value(), kept.alpha);
    const double plain = DarkFringeRate(CompositeOnWhite(decoded->image, kept.alpha, false).value(), kept.alpha);
    std::printf("| %s | %s | %.0f%% | %.3f | %.3f | %.3f | %.3f |\n", coco.file.c_str(), best->category.c_str(),
                100 * area / (coco.width * coco.height), raw_iou, iou, clean, plain);
    raw_iou_sum += raw_iou;
    iou_sum += iou;
    fringe_clean_sum += clean;
    fringe_plain_sum += plain;
    ++n;
    if (rows.size() < 5) {
      auto shot = WhiteBackgroundShot(decoded->image, *mask, {});
      if (!shot.ok()) continue;
      RgbImage left = Tile(decoded->image, kTile), right = Tile(*shot, kTile);
      RgbImage row{2 * kTile, kTile, std::vector<std::uint8_t>(static_cast<std::size_t>(2 * kTile) * kTile * 3)};
      for (int y = 0; y < kTile; ++y) {
        std::copy_n(left.row(y), left.stride(), row.row(y));
        std::copy_n(right.row(y), right.stride(), row.row(y) + left.stride());
      }
      rows.push_back(std::move(row));
    }
  }
  if (n == 0) return 1;
  std::printf("| **mean over %d** | | | **%.3f** | **%.3f** | **%.3f** | **%.3f** |\n", n, raw_iou_sum / n, iou_sum / n,
              fringe_clean_sum / n, fringe_plain_sum / n);
  RgbImage sheet{2 * kTile, kTile * static_cast<int>(rows.size()), {}};
  for (const auto& row : rows) sheet.pixels.insert(sheet.pixels.end(), row.pixels.begin(), row.pixels.end());
  auto jpeg = EncodeJpeg(sheet, 85);
  std::filesystem::create_directories(out.parent_path());
  std::ofstream(out, std::ios::binary) << *jpeg;
  std::printf("wrote %s (%d results)\n", out.c_str(), static_cast<int>(rows.size()));
  return 0;
}
