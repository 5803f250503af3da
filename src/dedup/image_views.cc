#include "dedup/image_views.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "image/image_geometry.h"
#include "image/resample.h"

namespace iris {
namespace {

// Pixel `i` of a line: a row (horizontal) or a column.
struct Line {
  const RgbImage* image;
  bool row;
  int index;
  int length() const { return row ? image->width : image->height; }
  const std::uint8_t* at(int i) const {
    return row ? image->row(index) + 3 * static_cast<std::size_t>(i)
               : image->row(i) + 3 * static_cast<std::size_t>(index);
  }
};

// Whether nearly all of `line` is within tolerance of `ref`.
bool IsBorder(const Line& line, const std::array<int, 3>& ref, const TrimOptions& options) {
  const int n = line.length();
  const int allowed_outliers = static_cast<int>(std::floor((1.0 - options.min_fraction) * n));
  int outliers = 0;
  for (int i = 0; i < n; ++i) {
    const std::uint8_t* p = line.at(i);
    if (std::abs(p[0] - ref[0]) > options.tolerance || std::abs(p[1] - ref[1]) > options.tolerance ||
        std::abs(p[2] - ref[2]) > options.tolerance) {
      if (++outliers > allowed_outliers) return false;
    }
  }
  return true;
}

// How many lines from one edge are border. `make(k)` is the k-th line from that edge.
template <typename MakeLine>
int BorderDepth(int max_depth, const TrimOptions& options, MakeLine make) {
  const Line first = make(0);
  std::array<long, 3> sum = {0, 0, 0};
  for (int i = 0; i < first.length(); ++i) {
    for (int c = 0; c < 3; ++c) sum[c] += first.at(i)[c];
  }
  const std::array<int, 3> ref = {static_cast<int>(sum[0] / first.length()), static_cast<int>(sum[1] / first.length()),
                                  static_cast<int>(sum[2] / first.length())};
  int depth = 0;
  while (depth < max_depth && IsBorder(make(depth), ref, options)) ++depth;
  return depth;
}

}  // namespace

Result<TrimmedImage> TrimUniformBorders(const RgbImage& image, const TrimOptions& options) {
  if (image.empty() || image.pixels.size() != image.stride() * static_cast<std::size_t>(image.height)) {
    return InvalidArgument("TrimUniformBorders: empty or malformed image");
  }
  const int max_x = static_cast<int>(image.width * options.max_trim_fraction);
  const int max_y = static_cast<int>(image.height * options.max_trim_fraction);
  TrimmedImage out;
  out.y0 = BorderDepth(max_y, options, [&](int k) { return Line{&image, true, k}; });
  out.y1 = image.height - BorderDepth(max_y, options, [&](int k) { return Line{&image, true, image.height - 1 - k}; });
  out.x0 = BorderDepth(max_x, options, [&](int k) { return Line{&image, false, k}; });
  out.x1 = image.width - BorderDepth(max_x, options, [&](int k) { return Line{&image, false, image.width - 1 - k}; });
  out.trimmed = out.x0 > 0 || out.y0 > 0 || out.x1 < image.width || out.y1 < image.height;
  if (!out.trimmed || out.x1 - out.x0 < 8 || out.y1 - out.y0 < 8) {
    out = TrimmedImage{image, 0, 0, image.width, image.height, false};
    return out;
  }
  IRIS_ASSIGN_OR_RETURN(out.image, Crop(image, PixelBox{out.x0, out.y0, out.x1, out.y1}));
  return out;
}

std::string_view OrientationName(Orientation orientation) {
  switch (orientation) {
    case Orientation::kIdentity:
      return "identity";
    case Orientation::kRotate90:
      return "rot90";
    case Orientation::kRotate180:
      return "rot180";
    case Orientation::kRotate270:
      return "rot270";
    case Orientation::kFlipHorizontal:
      return "flip_h";
    case Orientation::kTranspose:
      return "transpose";
    case Orientation::kFlipVertical:
      return "flip_v";
    case Orientation::kTransverse:
      return "transverse";
  }
  return "?";
}

bool SwapsAxes(Orientation orientation) {
  return orientation == Orientation::kRotate90 || orientation == Orientation::kRotate270 ||
         orientation == Orientation::kTranspose || orientation == Orientation::kTransverse;
}

std::pair<int, int> DihedralSource(Orientation orientation, int x, int y, int w, int h) {
  switch (orientation) {
    case Orientation::kIdentity:
      return {x, y};
    case Orientation::kRotate90:
      return {y, h - 1 - x};
    case Orientation::kRotate180:
      return {w - 1 - x, h - 1 - y};
    case Orientation::kRotate270:
      return {w - 1 - y, x};
    case Orientation::kFlipHorizontal:
      return {w - 1 - x, y};
    case Orientation::kTranspose:
      return {y, x};
    case Orientation::kFlipVertical:
      return {x, h - 1 - y};
    case Orientation::kTransverse:
      return {w - 1 - y, h - 1 - x};
  }
  return {x, y};
}

RgbImage Dihedral(const RgbImage& image, Orientation orientation) {
  const int w = image.width, h = image.height;
  const bool swap = SwapsAxes(orientation);
  RgbImage out{swap ? h : w, swap ? w : h, std::vector<std::uint8_t>(image.pixels.size())};
  for (int y = 0; y < out.height; ++y) {
    std::uint8_t* dst = out.row(y);
    for (int x = 0; x < out.width; ++x) {
      const auto [sx, sy] = DihedralSource(orientation, x, y, w, h);
      const std::uint8_t* src = image.row(sy) + 3 * static_cast<std::size_t>(sx);
      dst[3 * x] = src[0];
      dst[3 * x + 1] = src[1];
      dst[3 * x + 2] = src[2];
    }
  }
  return out;
}

Result<RgbImage> ShrinkToMaxSide(const RgbImage& image, int max_side) {
  if (image.empty()) return InvalidArgument("ShrinkToMaxSide: empty image");
  const int longer = std::max(image.width, image.height);
  if (longer <= max_side) return image;
  const double f = static_cast<double>(max_side) / longer;
  const int w = std::max(1, static_cast<int>(std::lround(image.width * f)));
  const int h = std::max(1, static_cast<int>(std::lround(image.height * f)));
  return Resize(image, w, h, {ResampleFilter::kBilinear, true});
}

LumaPlane ViewThumbnail(const RgbImage& view) { return ResizeLumaArea(view, kViewThumbnailSize, kViewThumbnailSize); }

LumaPlane HighPassLuma(const LumaPlane& in) {
  LumaPlane out{in.width, in.height, std::vector<float>(in.values.size())};
  for (int y = 0; y < in.height; ++y) {
    for (int x = 0; x < in.width; ++x) {
      float sum = 0;
      for (int dy = -1; dy <= 1; ++dy) {
        for (int dx = -1; dx <= 1; ++dx) {
          sum += in.at(std::clamp(x + dx, 0, in.width - 1), std::clamp(y + dy, 0, in.height - 1));
        }
      }
      out.values[static_cast<std::size_t>(y) * in.width + x] = in.at(x, y) - sum / 9;
    }
  }
  return out;
}

double DetailCorrelation(const LumaPlane& a, const LumaPlane& b) {
  if (a.width != b.width || a.height != b.height || a.values.empty()) return -1;
  const LumaPlane ha = HighPassLuma(a), hb = HighPassLuma(b);
  double n = 0, sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  for (std::size_t i = 0; i < ha.values.size(); ++i) {
    const double x = ha.values[i], y = hb.values[i];
    n += 1, sa += x, sb += y, saa += x * x, sbb += y * y, sab += x * y;
  }
  const double va = saa - sa * sa / n, vb = sbb - sb * sb / n;
  return va > 0 && vb > 0 ? (sab - sa * sb / n) / std::sqrt(va * vb) : -1;
}

}  // namespace iris
