#include "image/resample.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define IRIS_RESAMPLE_SSE41 1
#else
#define IRIS_RESAMPLE_SSE41 0
#endif

namespace iris {
namespace {

// Pillow's fixed-point precision for 8-bit images: 32 bits minus 8 for the pixel value minus 2 for
// the sign and for the overshoot of negative-lobed kernels.
constexpr int kPrecisionBits = 32 - 8 - 2;
constexpr std::int32_t kHalf = 1 << (kPrecisionBits - 1);

double BicubicKernel(double x) {
  constexpr double a = -0.5;  // Pillow's (and Keys') choice; OpenCV uses -0.75
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

double BilinearKernel(double x) {
  if (x < 0.0) x = -x;
  if (x < 1.0) return 1.0 - x;
  return 0.0;
}

struct Kernel {
  double (*weight)(double);
  double support;
};

Kernel KernelFor(ResampleFilter filter) {
  if (filter == ResampleFilter::kBilinear) return {BilinearKernel, 1.0};
  return {BicubicKernel, 2.0};
}

// The taps of a separable filter along one axis, for the output pixels [begin, begin + firsts.size()):
// output pixel i reads count(i) source pixels starting at first(i), weighted by weights(i)[t] in
// kPrecisionBits fixed point. Memory is proportional to the pixels kept, not to the resized size
// (a 1x1,000,000 image resized to 224x224,000,000 and cropped to 224x224 needs 224 rows of taps).
struct AxisTaps {
  int ksize = 0;
  int begin = 0;
  std::vector<int> firsts;
  std::vector<int> counts;
  std::vector<std::int32_t> coefficients;

  int first(int i) const { return firsts[static_cast<std::size_t>(i - begin)]; }
  int count(int i) const { return counts[static_cast<std::size_t>(i - begin)]; }
  const std::int32_t* weights(int i) const {
    return &coefficients[static_cast<std::size_t>(i - begin) * static_cast<std::size_t>(ksize)];
  }
};

// Pillow's precompute_coeffs() + normalize_coeffs_8bpc(), for the box (0, in_size), evaluated only
// for the output pixels [out_begin, out_end) of out_size. Each pixel's taps depend on its index
// alone, so they equal Pillow's whole-axis table entry for entry.
AxisTaps ComputeAxisTaps(int in_size, int out_size, int out_begin, int out_end, const Kernel& kernel, bool antialias) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double filter_scale = (antialias && scale > 1.0) ? scale : 1.0;
  const double support = kernel.support * filter_scale;
  AxisTaps taps;
  taps.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  taps.begin = out_begin;
  const auto kept = static_cast<std::size_t>(out_end - out_begin);
  taps.firsts.resize(kept);
  taps.counts.resize(kept);
  taps.coefficients.assign(kept * static_cast<std::size_t>(taps.ksize), 0);
  std::vector<double> k(taps.ksize);
  const double inv_filter_scale = 1.0 / filter_scale;
  for (int i = out_begin; i < out_end; ++i) {
    const double center = (i + 0.5) * scale;
    // Truncating casts of (value + 0.5), exactly as Pillow rounds the window ends.
    int xmin = static_cast<int>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double sum = 0.0;
    for (int x = 0; x < xmax; ++x) {
      k[x] = kernel.weight((x + xmin - center + 0.5) * inv_filter_scale);
      sum += k[x];
    }
    const auto slot = static_cast<std::size_t>(i - out_begin);
    std::int32_t* w = &taps.coefficients[slot * static_cast<std::size_t>(taps.ksize)];
    for (int x = 0; x < xmax; ++x) {
      const double v = sum != 0.0 ? k[x] / sum : k[x];
      w[x] = v < 0 ? static_cast<std::int32_t>(-0.5 + v * (1 << kPrecisionBits))
                   : static_cast<std::int32_t>(0.5 + v * (1 << kPrecisionBits));
    }
    taps.firsts[slot] = xmin;
    taps.counts[slot] = xmax;
  }
  return taps;
}

inline std::uint8_t Clip8(std::int32_t v) {
  v >>= kPrecisionBits;  // arithmetic shift (floor), as Pillow's lookup index
  return static_cast<std::uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

// Rows of 3-byte pixels: row(y) for y in [first_row, first_row + rows).
struct PixelRows {
  const std::uint8_t* data = nullptr;
  std::size_t stride = 0;
  int first_row = 0;
  const std::uint8_t* row(int y) const { return data + static_cast<std::size_t>(y - first_row) * stride; }
};

// One output pixel of the horizontal pass: the three channel sums of n taps from p (Pillow's order).
inline void HorizontalTapsScalar(const std::uint8_t* p, const std::int32_t* k, int n, std::int32_t sums[3]) {
  std::int32_t s0 = kHalf, s1 = kHalf, s2 = kHalf;
  for (int x = 0; x < n; ++x) {
    s0 += p[3 * x + 0] * k[x];
    s1 += p[3 * x + 1] * k[x];
    s2 += p[3 * x + 2] * k[x];
  }
  sums[0] = s0;
  sums[1] = s1;
  sums[2] = s2;
}

#if IRIS_RESAMPLE_SSE41
// HorizontalTapsScalar's sums in the first three lanes of one vector (sums[3] is junk). Reads one
// byte past the last tap's pixel: the caller makes sure that byte is in the row.
__attribute__((target("sse4.1"))) void HorizontalTapsSse41(const std::uint8_t* p, const std::int32_t* k, int n,
                                                           std::int32_t sums[4]) {
  __m128i acc = _mm_set1_epi32(kHalf);
  for (int x = 0; x < n; ++x) {
    std::int32_t bytes;
    std::memcpy(&bytes, p + 3 * x, sizeof bytes);
    const __m128i pixel = _mm_cvtepu8_epi32(_mm_cvtsi32_si128(bytes));
    acc = _mm_add_epi32(acc, _mm_mullo_epi32(pixel, _mm_set1_epi32(k[x])));
  }
  _mm_storeu_si128(reinterpret_cast<__m128i*>(sums), acc);
}
#endif

// Horizontal pass over source rows [row_begin, row_end), output columns [col_begin, col_begin + cols).
// kTapsInVector: one output pixel's three channel sums are the first three lanes of an SSE4.1 vector;
// each tap loads 4 bytes (its pixel and the next pixel's red, whose lane is dropped), so a pixel whose
// taps reach the row's last source pixel takes the scalar loop instead of reading past the row. The
// integer arithmetic is the same in both, so the results are identical.
template <bool kTapsInVector>
void ResampleRowsWith(const RgbImage& src, int row_begin, int row_end, const AxisTaps& taps, int col_begin, int cols,
                      std::uint8_t* out) {
  const std::size_t out_stride = static_cast<std::size_t>(cols) * 3;
  for (int y = row_begin; y < row_end; ++y) {
    const std::uint8_t* in = src.row(y);
    std::uint8_t* o = out + static_cast<std::size_t>(y - row_begin) * out_stride;
    for (int c = 0; c < cols; ++c) {
      const int xx = col_begin + c;
      const std::int32_t* k = taps.weights(xx);
      const std::uint8_t* p = in + static_cast<std::size_t>(taps.first(xx)) * 3;
      const int n = taps.count(xx);
      std::int32_t sums[4];
      bool done = false;
#if IRIS_RESAMPLE_SSE41
      if constexpr (kTapsInVector) {
        if (taps.first(xx) + n < src.width) {
          HorizontalTapsSse41(p, k, n, sums);
          done = true;
        }
      }
#endif
      if (!done) HorizontalTapsScalar(p, k, n, sums);
      o[3 * c + 0] = Clip8(sums[0]);
      o[3 * c + 1] = Clip8(sums[1]);
      o[3 * c + 2] = Clip8(sums[2]);
    }
  }
}

#if IRIS_RESAMPLE_SSE41
__attribute__((target("sse4.1"))) void ResampleRowsSse41(const RgbImage& src, int row_begin, int row_end,
                                                         const AxisTaps& taps, int col_begin, int cols,
                                                         std::uint8_t* out) {
  ResampleRowsWith<true>(src, row_begin, row_end, taps, col_begin, cols, out);
}
#endif

// The SSE4.1 version where the CPU has it (checked once), the portable one otherwise.
void ResampleRows(const RgbImage& src, int row_begin, int row_end, const AxisTaps& taps, int col_begin, int cols,
                  std::uint8_t* out) {
#if IRIS_RESAMPLE_SSE41
  static const bool sse41 = __builtin_cpu_supports("sse4.1");
  if (sse41) return ResampleRowsSse41(src, row_begin, row_end, taps, col_begin, cols, out);
#endif
  ResampleRowsWith<false>(src, row_begin, row_end, taps, col_begin, cols, out);
}

// Vertical pass: output rows [row_begin, row_begin + out.height) of the resized image, each
// `row_bytes` wide, from `in`. Accumulates a whole row at a time (same integer sums as Pillow's
// per-pixel loop, in a cache-friendly order).
void ResampleColumns(const PixelRows& in, const AxisTaps& taps, int row_begin, RgbImage& out) {
  const std::size_t row_bytes = out.stride();
  std::vector<std::int32_t> acc(row_bytes);
  for (int j = 0; j < out.height; ++j) {
    const int yy = row_begin + j;
    const std::int32_t* k = taps.weights(yy);
    const int ymin = taps.first(yy);
    const int n = taps.count(yy);
    std::fill(acc.begin(), acc.end(), kHalf);
    for (int t = 0; t < n; ++t) {
      const std::uint8_t* s = in.row(ymin + t);
      const std::int32_t w = k[t];
      for (std::size_t e = 0; e < row_bytes; ++e) acc[e] += s[e] * w;
    }
    std::uint8_t* o = out.row(j);
    for (std::size_t e = 0; e < row_bytes; ++e) o[e] = Clip8(acc[e]);
  }
}

Status ValidateImage(const RgbImage& image) {
  if (image.empty()) return InvalidArgument("resize: empty image");
  if (image.pixels.size() != static_cast<std::size_t>(image.width) * image.height * 3) {
    return InvalidArgument("resize: pixel buffer does not match " + std::to_string(image.width) + "x" +
                           std::to_string(image.height));
  }
  return Status::Ok();
}

RgbImage NewImage(int width, int height) {
  RgbImage out;
  out.width = width;
  out.height = height;
  out.pixels.resize(static_cast<std::size_t>(width) * height * 3);
  return out;
}

// Pillow's ImagingScaleAffine (what Image.NEAREST resizing runs): source column positions are
// accumulated by repeated addition, rows are computed directly, both truncated. Only the box's
// columns are stored (the additions before box.x0 still run, so the positions are Pillow's).
RgbImage ResizeNearest(const RgbImage& src, int out_w, int out_h, const PixelBox& box) {
  const double ax = static_cast<double>(src.width) / out_w;
  const double ay = static_cast<double>(src.height) / out_h;
  std::vector<int> src_x(static_cast<std::size_t>(box.width()));
  double xo = ax * 0.5;
  for (int x = 0; x < box.x1; ++x) {
    if (x >= box.x0) src_x[static_cast<std::size_t>(x - box.x0)] = std::min(static_cast<int>(xo), src.width - 1);
    xo += ax;
  }
  RgbImage out = NewImage(box.width(), box.height());
  for (int j = 0; j < out.height; ++j) {
    const int yi = std::min(static_cast<int>(ay * (box.y0 + j + 0.5)), src.height - 1);
    const std::uint8_t* in = src.row(yi);
    std::uint8_t* o = out.row(j);
    for (int i = 0; i < out.width; ++i) std::memcpy(o + 3 * i, in + 3 * src_x[static_cast<std::size_t>(i)], 3);
  }
  return out;
}

}  // namespace

Result<RgbImage> ResizeCrop(const RgbImage& image, int resized_width, int resized_height, const PixelBox& box,
                            const ResampleOptions& options) {
  IRIS_RETURN_IF_ERROR(ValidateImage(image));
  if (resized_width <= 0 || resized_height <= 0) {
    return InvalidArgument("resize: target size must be positive, got " + std::to_string(resized_width) + "x" +
                           std::to_string(resized_height));
  }
  if (box.empty() || box.x0 < 0 || box.y0 < 0 || box.x1 > resized_width || box.y1 > resized_height) {
    return InvalidArgument("resize: crop box lies outside the resized image");
  }
  if (options.filter == ResampleFilter::kNearest) return ResizeNearest(image, resized_width, resized_height, box);

  const Kernel kernel = KernelFor(options.filter);
  const bool need_horizontal = resized_width != image.width;
  const bool need_vertical = resized_height != image.height;

  // Source rows the requested output rows depend on (just [y0, y1) when there is no vertical pass).
  AxisTaps vertical;
  int row_first = box.y0;
  int row_last = box.y1;
  if (need_vertical) {
    vertical = ComputeAxisTaps(image.height, resized_height, box.y0, box.y1, kernel, options.antialias);
    row_first = vertical.first(box.y0);
    row_last = 0;
    for (int y = box.y0; y < box.y1; ++y) row_last = std::max(row_last, vertical.first(y) + vertical.count(y));
  }

  std::vector<std::uint8_t> intermediate;
  PixelRows rows;
  if (need_horizontal) {
    const AxisTaps horizontal = ComputeAxisTaps(image.width, resized_width, box.x0, box.x1, kernel, options.antialias);
    intermediate.resize(static_cast<std::size_t>(row_last - row_first) * box.width() * 3);
    ResampleRows(image, row_first, row_last, horizontal, box.x0, box.width(), intermediate.data());
    rows = {intermediate.data(), static_cast<std::size_t>(box.width()) * 3, row_first};
  } else {
    rows = {image.pixels.data() + static_cast<std::size_t>(box.x0) * 3, image.stride(), 0};
  }

  RgbImage out = NewImage(box.width(), box.height());
  if (need_vertical) {
    ResampleColumns(rows, vertical, box.y0, out);
  } else {
    for (int j = 0; j < out.height; ++j) std::memcpy(out.row(j), rows.row(box.y0 + j), out.stride());
  }
  return out;
}

Result<RgbImage> Resize(const RgbImage& image, int width, int height, const ResampleOptions& options) {
  return ResizeCrop(image, width, height, PixelBox{0, 0, width, height}, options);
}

Result<RgbImage> CropZeroPadded(const RgbImage& image, const PixelBox& box) {
  IRIS_RETURN_IF_ERROR(ValidateImage(image));
  if (box.empty()) return InvalidArgument("crop: box must not be empty");
  RgbImage out = NewImage(box.width(), box.height());  // zero-filled: Pillow's fill outside the source
  const int x0 = std::max(box.x0, 0);
  const int x1 = std::min(box.x1, image.width);
  if (x1 <= x0) return out;
  for (int j = 0; j < out.height; ++j) {
    const int y = box.y0 + j;
    if (y < 0 || y >= image.height) continue;
    std::memcpy(out.row(j) + static_cast<std::size_t>(x0 - box.x0) * 3, image.row(y) + static_cast<std::size_t>(x0) * 3,
                static_cast<std::size_t>(x1 - x0) * 3);
  }
  return out;
}

PixelBox CenterCropBox(int image_width, int image_height, int width, int height) {
  // std::nearbyint in the default rounding mode rounds half to even, like Python 3's round().
  const int top = static_cast<int>(std::nearbyint((image_height - height) / 2.0));
  const int left = static_cast<int>(std::nearbyint((image_width - width) / 2.0));
  return {left, top, left + width, top + height};
}

Result<RgbImage> CenterCrop(const RgbImage& image, int width, int height) {
  return CropZeroPadded(image, CenterCropBox(image.width, image.height, width, height));
}

PixelSize ShortestSideSize(int image_width, int image_height, int shortest) {
  // Integer products are exact in double, so the quotient is Python's correctly rounded true division.
  if (image_width <= image_height) {
    const double h = static_cast<double>(static_cast<std::int64_t>(shortest) * image_height) / image_width;
    return {shortest, static_cast<int>(h)};
  }
  const double w = static_cast<double>(static_cast<std::int64_t>(shortest) * image_width) / image_height;
  return {static_cast<int>(w), shortest};
}

}  // namespace iris
