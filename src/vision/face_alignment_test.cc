#include "vision/face_alignment.h"

#include <gtest/gtest.h>

#include <cmath>

namespace iris {
namespace {

constexpr double kPi = 3.14159265358979323846;

RgbImage Grey(int w, int h, std::uint8_t v = 128) {
  return RgbImage{w, h, std::vector<std::uint8_t>(static_cast<std::size_t>(w) * h * 3, v)};
}

void FillDisc(RgbImage& img, PointF c, float radius, std::array<std::uint8_t, 3> colour) {
  for (int y = 0; y < img.height; ++y) {
    for (int x = 0; x < img.width; ++x) {
      if (std::hypot(x - c.x, y - c.y) > radius) continue;
      std::uint8_t* p = img.row(y) + 3 * x;
      p[0] = colour[0], p[1] = colour[1], p[2] = colour[2];
    }
  }
}

// Centroid of the pixels close to `colour` (x = -1 when there are none).
PointF Centroid(const RgbImage& img, std::array<std::uint8_t, 3> colour) {
  double sx = 0, sy = 0, n = 0;
  for (int y = 0; y < img.height; ++y) {
    for (int x = 0; x < img.width; ++x) {
      const std::uint8_t* p = img.row(y) + 3 * x;
      if (std::abs(p[0] - colour[0]) + std::abs(p[1] - colour[1]) + std::abs(p[2] - colour[2]) < 40) {
        sx += x, sy += y, n += 1;
      }
    }
  }
  return n == 0 ? PointF{-1, -1} : PointF{static_cast<float>(sx / n), static_cast<float>(sy / n)};
}

// The template moved by a rotation of `degrees`, `scale` and an offset: what a tilted face looks like.
Detection FaceFromTemplate(double degrees, double scale, PointF offset) {
  const double r = degrees * kPi / 180;
  const SimilarityTransform t{scale * std::cos(r), scale * std::sin(r), offset.x, offset.y};
  Detection d;
  d.score = 0.9f;
  for (PointF p : ArcFaceTemplate(112)) d.landmarks.push_back(t.Apply(p));
  d.x0 = d.x1 = d.landmarks[0].x;
  d.y0 = d.y1 = d.landmarks[0].y;
  for (PointF p : d.landmarks) {
    d.x0 = std::min(d.x0, p.x), d.x1 = std::max(d.x1, p.x), d.y0 = std::min(d.y0, p.y), d.y1 = std::max(d.y1, p.y);
  }
  return d;
}

const std::array<std::array<std::uint8_t, 3>, 5> kColours = {
    {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 0}, {0, 255, 255}}};

TEST(FaceAlignmentTest, TransformedLandmarksLandOnTheTemplate) {
  // A similarity of the template is fitted exactly; noisy landmarks to within a pixel.
  const std::array<PointF, 5> noise = {{{1.5f, -1.0f}, {-1.2f, 0.8f}, {0.5f, 1.4f}, {-0.9f, -1.1f}, {1.0f, 0.6f}}};
  for (int size : {112, 224}) {
    Detection face = FaceFromTemplate(-17, 2.6, {140, 90});
    auto exact = FaceAlignmentTransform(face, size);
    ASSERT_TRUE(exact.ok()) << exact.status().ToString();
    for (int i = 0; i < 5; ++i)
      face.landmarks[i] = {face.landmarks[i].x + noise[i].x, face.landmarks[i].y + noise[i].y};
    auto noisy = FaceAlignmentTransform(face, size);
    ASSERT_TRUE(noisy.ok());
    const auto target = ArcFaceTemplate(size);
    const Detection clean = FaceFromTemplate(-17, 2.6, {140, 90});
    double fitted_error = 0, generating_error = 0;  // least squares: the fit beats the generating transform
    for (int i = 0; i < 5; ++i) {
      const PointF e = exact->Apply(clean.landmarks[i]);
      EXPECT_NEAR(e.x, target[i].x, 1e-3) << "size " << size << " point " << i;
      EXPECT_NEAR(e.y, target[i].y, 1e-3);
      const PointF n = noisy->Apply(face.landmarks[i]);
      // Within 1 px of the 112 template (the landmark noise is about 0.6 px there).
      EXPECT_LT(std::hypot(n.x - target[i].x, n.y - target[i].y), size / 112.0) << "size " << size << " point " << i;
      const PointF g = exact->Apply(face.landmarks[i]);
      fitted_error += std::pow(n.x - target[i].x, 2) + std::pow(n.y - target[i].y, 2);
      generating_error += std::pow(g.x - target[i].x, 2) + std::pow(g.y - target[i].y, 2);
    }
    EXPECT_LT(fitted_error, generating_error);
  }
  // The 224 template is the 112 one doubled.
  EXPECT_FLOAT_EQ(ArcFaceTemplate(224)[2].x, 2 * ArcFaceTemplate(112)[2].x);
}

TEST(FaceAlignmentTest, RotatedFaceIsDerotatedInThePixels) {
  // Coloured discs at the landmarks of a face tilted by 35 degrees, 2.5x the template size.
  const Detection face = FaceFromTemplate(35, 2.5, {200, 40});
  RgbImage image = Grey(520, 480);
  for (int i = 0; i < 5; ++i) FillDisc(image, face.landmarks[i], 6, kColours[i]);
  auto aligned = AlignFace(image, face, 112);
  ASSERT_TRUE(aligned.ok()) << aligned.status().ToString();
  ASSERT_EQ(aligned->width, 112);
  ASSERT_EQ(aligned->height, 112);
  const auto target = ArcFaceTemplate(112);
  for (int i = 0; i < 5; ++i) {
    const PointF c = Centroid(*aligned, kColours[i]);
    EXPECT_LT(std::hypot(c.x - target[i].x, c.y - target[i].y), 1.0)
        << "marker " << i << " at " << c.x << "," << c.y << " want " << target[i].x << "," << target[i].y;
  }
  // Level eyes and mouth: the tilt is gone.
  EXPECT_LT(std::abs(Centroid(*aligned, kColours[0]).y - Centroid(*aligned, kColours[1]).y), 1.0);
  EXPECT_LT(std::abs(Centroid(*aligned, kColours[3]).y - Centroid(*aligned, kColours[4]).y), 1.0);
}

TEST(FaceAlignmentTest, UpsideDownFaceComesOutUpright) {
  const Detection face = FaceFromTemplate(180, 1.5, {300, 300});
  RgbImage image = Grey(320, 320);
  for (int i = 0; i < 5; ++i) FillDisc(image, face.landmarks[i], 4, kColours[i]);
  auto aligned = AlignFace(image, face, 112);
  ASSERT_TRUE(aligned.ok());
  // Right eye (image-left) stays left of the left eye, eyes above the mouth.
  const PointF right_eye = Centroid(*aligned, kColours[0]);
  const PointF left_eye = Centroid(*aligned, kColours[1]);
  const PointF mouth = Centroid(*aligned, kColours[3]);
  EXPECT_LT(right_eye.x, left_eye.x);
  EXPECT_LT(right_eye.y, mouth.y);
  EXPECT_NEAR(right_eye.x, ArcFaceTemplate()[0].x, 1.0);
}

TEST(FaceAlignmentTest, OutsideTheImageIsBlack) {
  // A face near the top-left corner: part of the crop lies outside the image.
  const Detection face = FaceFromTemplate(0, 1.0, {-30, -40});
  auto aligned = AlignFace(Grey(200, 200, 200), face, 112);
  ASSERT_TRUE(aligned.ok());
  const std::uint8_t* corner = aligned->row(0);
  EXPECT_EQ(corner[0] + corner[1] + corner[2], 0);
  const std::uint8_t* inside = aligned->row(100) + 3 * 100;
  EXPECT_EQ(inside[0], 200);
}

TEST(FaceAlignmentTest, BoxOnlyTakesACentredSquareWithMargin) {
  // A 100x60 red box on grey, no landmarks: square of side 110 around its centre (200, 130).
  RgbImage image = Grey(400, 300);
  for (int y = 100; y < 160; ++y) {
    for (int x = 150; x < 250; ++x) {
      std::uint8_t* p = image.row(y) + 3 * x;
      p[0] = 255, p[1] = 0, p[2] = 0;
    }
  }
  Detection face;
  face.x0 = 150, face.y0 = 100, face.x1 = 250, face.y1 = 160;
  auto t = FaceAlignmentTransform(face, 112);
  ASSERT_TRUE(t.ok());
  const PointF centre = t->Apply({200, 130});
  EXPECT_NEAR(centre.x, 56, 1e-3);
  EXPECT_NEAR(centre.y, 56, 1e-3);
  EXPECT_NEAR(t->a, 112.0 / (100 * kBoxCropScale), 1e-6);
  EXPECT_EQ(t->b, 0);

  auto crop = AlignFace(image, face, 112);
  ASSERT_TRUE(crop.ok()) << crop.status().ToString();
  EXPECT_EQ(crop->width, 112);
  EXPECT_EQ(crop->row(56)[3 * 56], 255);  // centre: the box
  EXPECT_EQ(crop->row(56)[3 * 56 + 1], 0);
  EXPECT_EQ(crop->row(2)[3 * 56], 128);  // above the box (inside the square): the grey margin
  // Across, the box fills the crop but for a 5 source-px (5.1 crop-px) grey margin on each side.
  EXPECT_EQ(crop->row(56)[3 * 3 + 1], 128);
  EXPECT_EQ(crop->row(56)[3 * 7 + 1], 0);
  EXPECT_EQ(crop->row(56)[3 * 105 + 1], 0);
  EXPECT_EQ(crop->row(56)[3 * 109 + 1], 128);
}

TEST(FaceAlignmentTest, DegenerateInputIsAnErrorNotACrash) {
  const RgbImage image = Grey(100, 100);
  Detection zero_box;  // no landmarks, no area
  zero_box.x0 = zero_box.x1 = 50;
  zero_box.y0 = zero_box.y1 = 50;
  EXPECT_EQ(AlignFace(image, zero_box).status().code(), StatusCode::kInvalidArgument);

  Detection same_points;
  same_points.x0 = 10, same_points.y0 = 10, same_points.x1 = 60, same_points.y1 = 60;
  same_points.landmarks.assign(5, PointF{30, 30});
  auto r = AlignFace(image, same_points);
  ASSERT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("degenerate"), std::string::npos) << r.status().message();

  Detection three = same_points;
  three.landmarks = {{10, 10}, {20, 10}, {15, 20}};
  EXPECT_EQ(AlignFace(image, three).status().code(), StatusCode::kInvalidArgument);

  Detection nan_point = FaceFromTemplate(0, 1, {0, 0});
  nan_point.landmarks[2].x = std::nanf("");
  EXPECT_EQ(AlignFace(image, nan_point).status().code(), StatusCode::kInvalidArgument);

  const Detection fine = FaceFromTemplate(0, 1, {0, 0});
  EXPECT_EQ(AlignFace(RgbImage{}, fine).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(AlignFace(image, fine, 0).status().code(), StatusCode::kInvalidArgument);
  RgbImage short_buffer = Grey(10, 10);
  short_buffer.pixels.resize(20);
  EXPECT_EQ(AlignFace(short_buffer, fine).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(AlignFace(image, fine).ok());
}

}  // namespace
}  // namespace iris
