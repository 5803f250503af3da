#include "vision/face_alignment.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace iris {
namespace {

// insightface's arcface_dst for 112x112 crops.
constexpr std::array<PointF, 5> kArcFace112 = {
    {{38.2946f, 51.6963f}, {73.5318f, 51.5014f}, {56.0252f, 71.7366f}, {41.5493f, 92.3655f}, {70.7299f, 92.2041f}}};

bool Finite(PointF p) { return std::isfinite(p.x) && std::isfinite(p.y); }

Status CheckImage(const RgbImage& image) {
  if (image.empty() || image.pixels.size() != static_cast<std::size_t>(image.width) * image.height * 3) {
    return InvalidArgument("align face: invalid image");
  }
  return Status::Ok();
}

// Bilinear sample of `image` at (x, y); outside the image reads black.
void Sample(const RgbImage& image, double x, double y, std::uint8_t* out) {
  const double fx = std::floor(x);
  const double fy = std::floor(y);
  const double wx = x - fx;
  const double wy = y - fy;
  // Far outside: skip the arithmetic (and keep the int conversion in range).
  if (fx < -1 || fy < -1 || fx > image.width || fy > image.height) {
    out[0] = out[1] = out[2] = 0;
    return;
  }
  const int x0 = static_cast<int>(fx);
  const int y0 = static_cast<int>(fy);
  double acc[3] = {0, 0, 0};
  const double weights[4] = {(1 - wx) * (1 - wy), wx * (1 - wy), (1 - wx) * wy, wx * wy};
  for (int k = 0; k < 4; ++k) {
    const int px = x0 + (k & 1);
    const int py = y0 + (k >> 1);
    if (px < 0 || py < 0 || px >= image.width || py >= image.height || weights[k] == 0) continue;
    const std::uint8_t* p = image.row(py) + 3 * static_cast<std::size_t>(px);
    for (int c = 0; c < 3; ++c) acc[c] += weights[k] * p[c];
  }
  for (int c = 0; c < 3; ++c) out[c] = static_cast<std::uint8_t>(std::clamp(std::lround(acc[c]), 0L, 255L));
}

}  // namespace

PointF SimilarityTransform::Apply(PointF p) const {
  return {static_cast<float>(a * p.x - b * p.y + tx), static_cast<float>(b * p.x + a * p.y + ty)};
}

SimilarityTransform SimilarityTransform::Inverse() const {
  const double d = a * a + b * b;
  SimilarityTransform inv{a / d, -b / d, 0, 0};
  // inv(p) = R^-1 (p - t)
  inv.tx = -(inv.a * tx - inv.b * ty);
  inv.ty = -(inv.b * tx + inv.a * ty);
  return inv;
}

std::array<PointF, 5> ArcFaceTemplate(int size) {
  std::array<PointF, 5> points = kArcFace112;
  const float s = static_cast<float>(size) / 112.0f;
  for (PointF& p : points) p = {p.x * s, p.y * s};
  return points;
}

Result<SimilarityTransform> EstimateSimilarity(std::span<const PointF> from, std::span<const PointF> to) {
  if (from.size() != to.size() || from.size() < 2) {
    return InvalidArgument("similarity needs two equal-sized point sets of at least 2 points");
  }
  const double n = static_cast<double>(from.size());
  double fx = 0, fy = 0, tx = 0, ty = 0;
  for (std::size_t i = 0; i < from.size(); ++i) {
    if (!Finite(from[i]) || !Finite(to[i])) return InvalidArgument("landmarks must be finite");
    fx += from[i].x, fy += from[i].y, tx += to[i].x, ty += to[i].y;
  }
  fx /= n, fy /= n, tx /= n, ty /= n;
  // For centred points the least-squares [a -b; b a] is a = sum(x u + y v) / sum(x^2 + y^2),
  // b = sum(x v - y u) / sum(x^2 + y^2): Umeyama's solution restricted to 2-D (rotation, no reflection).
  double var = 0, sa = 0, sb = 0;
  for (std::size_t i = 0; i < from.size(); ++i) {
    const double x = from[i].x - fx, y = from[i].y - fy;
    const double u = to[i].x - tx, v = to[i].y - ty;
    var += x * x + y * y;
    sa += x * u + y * v;
    sb += x * v - y * u;
  }
  if (var < 1e-6 * n) return InvalidArgument("landmarks are degenerate (all at one point)");
  SimilarityTransform t{sa / var, sb / var, 0, 0};
  if (t.a * t.a + t.b * t.b < 1e-12) return InvalidArgument("landmarks are degenerate (no usable transform)");
  t.tx = tx - (t.a * fx - t.b * fy);
  t.ty = ty - (t.b * fx + t.a * fy);
  return t;
}

Result<SimilarityTransform> FaceAlignmentTransform(const Detection& face, int size) {
  if (size < 8 || size > 1024) return InvalidArgument("align face: size must be 8..1024, got " + std::to_string(size));
  if (face.landmarks.size() == 5) {
    const auto target = ArcFaceTemplate(size);
    return EstimateSimilarity(face.landmarks, target);
  }
  if (!face.landmarks.empty()) {
    return InvalidArgument("align face: expected 0 or 5 landmarks, got " + std::to_string(face.landmarks.size()));
  }
  if (!std::isfinite(face.x0) || !std::isfinite(face.y0) || !std::isfinite(face.x1) || !std::isfinite(face.y1)) {
    return InvalidArgument("align face: box must be finite");
  }
  const double side = std::max(face.width(), face.height()) * static_cast<double>(kBoxCropScale);
  if (!(face.width() > 0) || !(face.height() > 0) || side < 1e-3) {
    return InvalidArgument("align face: the box has no area and there are no landmarks");
  }
  const double s = size / side;
  const double cx = (face.x0 + face.x1) / 2.0, cy = (face.y0 + face.y1) / 2.0;
  // The square's corner (cx - side/2, cy - side/2) goes to (0, 0) and its far corner to (size, size),
  // so crop pixel x samples source x / s + corner (pixel centres at integer coordinates, like warpAffine).
  return SimilarityTransform{s, 0, -(cx - side / 2) * s, -(cy - side / 2) * s};
}

Result<RgbImage> AlignFace(const RgbImage& image, const Detection& face, int size) {
  IRIS_RETURN_IF_ERROR(CheckImage(image));
  IRIS_ASSIGN_OR_RETURN(const SimilarityTransform forward, FaceAlignmentTransform(face, size));
  const SimilarityTransform inv = forward.Inverse();
  RgbImage out{size, size, std::vector<std::uint8_t>(static_cast<std::size_t>(size) * size * 3)};
  for (int y = 0; y < size; ++y) {
    std::uint8_t* row = out.row(y);
    for (int x = 0; x < size; ++x) {
      const double sx = inv.a * x - inv.b * y + inv.tx;
      const double sy = inv.b * x + inv.a * y + inv.ty;
      Sample(image, sx, sy, row + 3 * static_cast<std::size_t>(x));
    }
  }
  return out;
}

}  // namespace iris
