#include "vision/color_space.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace iris {
namespace {

constexpr double kWhiteX = 0.95047;
constexpr double kWhiteY = 1.0;
constexpr double kWhiteZ = 1.08883;
constexpr double kDelta = 6.0 / 29.0;

double LabF(double t) { return t > kDelta * kDelta * kDelta ? std::cbrt(t) : t / (3 * kDelta * kDelta) + 4.0 / 29.0; }
double LabFInverse(double f) { return f > kDelta ? f * f * f : 3 * kDelta * kDelta * (f - 4.0 / 29.0); }

double Degrees(double radians) { return radians * 180.0 / std::numbers::pi; }
double Radians(double degrees) { return degrees * std::numbers::pi / 180.0; }

// Hue angle in degrees, [0, 360); 0 for a neutral colour.
double HueDegrees(double b, double a) {
  if (a == 0 && b == 0) return 0;
  const double h = Degrees(std::atan2(b, a));
  return h < 0 ? h + 360 : h;
}

struct LinearTable {
  std::array<double, 256> values{};
  LinearTable() {
    for (int i = 0; i < 256; ++i) values[i] = SrgbToLinear(i / 255.0);
  }
};

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Per-axis weights of an exact box filter from `in` source samples to `out` output samples.
struct AreaTap {
  int first = 0;               // first source index
  std::vector<float> weights;  // weights of source indices first, first + 1, ...; they sum to 1
};

std::vector<AreaTap> AreaTaps(int in, int out) {
  std::vector<AreaTap> taps(out);
  const double scale = static_cast<double>(in) / out;
  for (int o = 0; o < out; ++o) {
    const double begin = o * scale;
    const double end = (o + 1) * scale;
    const int first = std::min(in - 1, static_cast<int>(std::floor(begin)));
    const int last = std::min(in - 1, std::max(first, static_cast<int>(std::ceil(end)) - 1));
    AreaTap& tap = taps[o];
    tap.first = first;
    for (int i = first; i <= last; ++i) {
      const double overlap = std::min(end, i + 1.0) - std::max(begin, static_cast<double>(i));
      tap.weights.push_back(static_cast<float>(std::max(0.0, overlap) / scale));
    }
  }
  return taps;
}

}  // namespace

double SrgbToLinear(double v) {
  v = std::clamp(v, 0.0, 1.0);
  return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
}

double LinearToSrgb(double v) {
  v = std::clamp(v, 0.0, 1.0);
  return v <= 0.0031308 ? v * 12.92 : 1.055 * std::pow(v, 1 / 2.4) - 0.055;
}

Vec3 LinearRgbToXyz(const Vec3& c) {
  return {0.4124564 * c[0] + 0.3575761 * c[1] + 0.1804375 * c[2],
          0.2126729 * c[0] + 0.7151522 * c[1] + 0.0721750 * c[2],
          0.0193339 * c[0] + 0.1191920 * c[1] + 0.9503041 * c[2]};
}

Vec3 XyzToLinearRgb(const Vec3& c) {
  return {3.2404542 * c[0] - 1.5371385 * c[1] - 0.4985314 * c[2],
          -0.9692660 * c[0] + 1.8760108 * c[1] + 0.0415560 * c[2],
          0.0556434 * c[0] - 0.2040259 * c[1] + 1.0572252 * c[2]};
}

Vec3 XyzToLab(const Vec3& xyz) {
  const double fx = LabF(xyz[0] / kWhiteX);
  const double fy = LabF(xyz[1] / kWhiteY);
  const double fz = LabF(xyz[2] / kWhiteZ);
  return {116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)};
}

Vec3 LabToXyz(const Vec3& lab) {
  const double fy = (lab[0] + 16) / 116;
  const double fx = fy + lab[1] / 500;
  const double fz = fy - lab[2] / 200;
  return {kWhiteX * LabFInverse(fx), kWhiteY * LabFInverse(fy), kWhiteZ * LabFInverse(fz)};
}

Vec3 Srgb8ToLab(const Rgb8& rgb) {
  static const LinearTable kTable;
  return XyzToLab(LinearRgbToXyz({kTable.values[rgb[0]], kTable.values[rgb[1]], kTable.values[rgb[2]]}));
}

Rgb8 LabToSrgb8(const Vec3& lab) {
  const Vec3 linear = XyzToLinearRgb(LabToXyz(lab));
  Rgb8 out{};
  for (int i = 0; i < 3; ++i) out[i] = static_cast<std::uint8_t>(std::lround(LinearToSrgb(linear[i]) * 255.0));
  return out;
}

double DeltaE76(const Vec3& p, const Vec3& q) {
  return std::sqrt((p[0] - q[0]) * (p[0] - q[0]) + (p[1] - q[1]) * (p[1] - q[1]) + (p[2] - q[2]) * (p[2] - q[2]));
}

double DeltaE2000(const Vec3& lab1, const Vec3& lab2) {
  const double pow25_7 = std::pow(25.0, 7);
  const double c1 = std::hypot(lab1[1], lab1[2]);
  const double c2 = std::hypot(lab2[1], lab2[2]);
  const double c_mean7 = std::pow((c1 + c2) / 2, 7);
  const double g = 0.5 * (1 - std::sqrt(c_mean7 / (c_mean7 + pow25_7)));
  const double a1 = (1 + g) * lab1[1];
  const double a2 = (1 + g) * lab2[1];
  const double c1p = std::hypot(a1, lab1[2]);
  const double c2p = std::hypot(a2, lab2[2]);
  const double h1p = HueDegrees(lab1[2], a1);
  const double h2p = HueDegrees(lab2[2], a2);

  const double delta_l = lab2[0] - lab1[0];
  const double delta_c = c2p - c1p;
  double delta_h = 0;
  if (c1p * c2p != 0) {
    delta_h = h2p - h1p;
    if (delta_h > 180) delta_h -= 360;
    if (delta_h < -180) delta_h += 360;
  }
  const double delta_big_h = 2 * std::sqrt(c1p * c2p) * std::sin(Radians(delta_h / 2));

  const double l_mean = (lab1[0] + lab2[0]) / 2;
  const double c_mean_p = (c1p + c2p) / 2;
  double h_mean = h1p + h2p;
  if (c1p * c2p != 0) {
    if (std::abs(h1p - h2p) <= 180) {
      h_mean /= 2;
    } else {
      h_mean = h_mean < 360 ? (h_mean + 360) / 2 : (h_mean - 360) / 2;
    }
  }
  const double t = 1 - 0.17 * std::cos(Radians(h_mean - 30)) + 0.24 * std::cos(Radians(2 * h_mean)) +
                   0.32 * std::cos(Radians(3 * h_mean + 6)) - 0.20 * std::cos(Radians(4 * h_mean - 63));
  const double delta_theta = 30 * std::exp(-std::pow((h_mean - 275) / 25, 2));
  const double c_mean_p7 = std::pow(c_mean_p, 7);
  const double r_c = 2 * std::sqrt(c_mean_p7 / (c_mean_p7 + pow25_7));
  const double l50 = (l_mean - 50) * (l_mean - 50);
  const double s_l = 1 + 0.015 * l50 / std::sqrt(20 + l50);
  const double s_c = 1 + 0.045 * c_mean_p;
  const double s_h = 1 + 0.015 * c_mean_p * t;
  const double r_t = -std::sin(Radians(2 * delta_theta)) * r_c;
  const double tl = delta_l / s_l;
  const double tc = delta_c / s_c;
  const double th = delta_big_h / s_h;
  return std::sqrt(std::max(0.0, tl * tl + tc * tc + th * th + r_t * tc * th));
}

std::string RgbToHex(const Rgb8& rgb) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "#";
  for (std::uint8_t c : rgb) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::optional<Rgb8> RgbFromHex(std::string_view hex) {
  if (!hex.empty() && hex.front() == '#') hex.remove_prefix(1);
  if (hex.size() != 6) return std::nullopt;
  Rgb8 out{};
  for (int i = 0; i < 3; ++i) {
    const int hi = HexDigit(hex[2 * i]);
    const int lo = HexDigit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return out;
}

LumaPlane ResizeLumaArea(const RgbImage& image, int width, int height) {
  LumaPlane out;
  if (image.empty() || width <= 0 || height <= 0 ||
      image.pixels.size() != image.stride() * static_cast<std::size_t>(image.height)) {
    return out;
  }
  const std::vector<AreaTap> x_taps = AreaTaps(image.width, width);
  const std::vector<AreaTap> y_taps = AreaTaps(image.height, height);

  // Horizontal pass, one source row at a time, folded straight into the vertical pass: every source
  // row is weighted into the (at most a few) output rows whose area it overlaps.
  out.width = width;
  out.height = height;
  out.values.assign(static_cast<std::size_t>(width) * height, 0.0f);
  std::vector<float> luma(image.width);
  std::vector<float> row(width);
  std::size_t next_tap = 0;  // first output row that may still use the current source row
  for (int y = 0; y < image.height; ++y) {
    while (next_tap < y_taps.size() &&
           y_taps[next_tap].first + static_cast<int>(y_taps[next_tap].weights.size()) <= y) {
      ++next_tap;
    }
    if (next_tap == y_taps.size() || y_taps[next_tap].first > y) continue;  // row outside every output area
    const std::uint8_t* p = image.row(y);
    for (int x = 0; x < image.width; ++x) luma[x] = Luma601(p[3 * x], p[3 * x + 1], p[3 * x + 2]);
    for (int o = 0; o < width; ++o) {
      const AreaTap& tap = x_taps[o];
      float sum = 0;
      for (std::size_t i = 0; i < tap.weights.size(); ++i) sum += tap.weights[i] * luma[tap.first + i];
      row[o] = sum;
    }
    for (std::size_t oy = next_tap; oy < y_taps.size() && y_taps[oy].first <= y; ++oy) {
      const AreaTap& tap = y_taps[oy];
      const std::size_t k = static_cast<std::size_t>(y - tap.first);
      if (k >= tap.weights.size()) continue;
      const float w = tap.weights[k];
      float* dst = out.values.data() + oy * static_cast<std::size_t>(width);
      for (int o = 0; o < width; ++o) dst[o] += w * row[o];
    }
  }
  return out;
}

}  // namespace iris
