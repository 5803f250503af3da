// The face detectors (YuNet, UltraFace RFB-320/640) with the real exports in ../shared/models on
// real photos: faces-dlib-voc (group photos with labelled face boxes) and faces-identity (portraits).
#include "vision/face_detector.h"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "image/image_decoder.h"
#include "support/shared_data.h"
#include "vision/yunet_face_detector.h"

namespace iris {
namespace {

using iris::testing::ReadFileBytes;
using iris::testing::RequireShared;

const std::vector<std::string> kModels = {"yunet", "ultraface-rfb-320", "ultraface-rfb-640"};

const models::ModelSpec& Spec(const std::string& name) {
  static const models::ModelCatalog catalog = [] {
    auto c = models::ModelCatalog::LoadDefault([](const std::string&) { return std::nullopt; });
    if (!c.ok()) throw std::runtime_error(c.status().ToString());
    return *c;
  }();
  auto spec = catalog.Find(name);
  if (!spec.ok()) throw std::runtime_error(spec.status().ToString());
  return **spec;
}

std::filesystem::path ModelPath(const std::string& name) {
  const models::ModelSpec& spec = Spec(name);
  return RequireShared("models/" + spec.mirror_path + "/" + spec.FindFile("model")->path);
}

// Loaded once per model name for the whole test program.
const FaceDetector& Detector(const std::string& name) {
  static std::map<std::string, std::unique_ptr<FaceDetector>> loaded;
  auto& slot = loaded[name];
  if (!slot) {
    auto d = LoadFaceDetector(Spec(name), ModelPath(name), RuntimeConfig{});
    if (!d.ok()) throw std::runtime_error(d.status().ToString());
    slot = std::move(d).value();
  }
  return *slot;
}

RgbImage Photo(const std::string& relative) {
  auto decoded = DecodeImage(ReadFileBytes(RequireShared("data/" + relative)), DecodeOptions{});
  if (!decoded.ok()) throw std::runtime_error(decoded.status().ToString());
  return std::move(decoded->image);
}

RgbImage Solid(int w, int h, std::uint8_t v) {
  return RgbImage{w, h, std::vector<std::uint8_t>(static_cast<std::size_t>(w) * h * 3, v)};
}

// faces-dlib-voc boxes of one image (boxes.csv: file,split,x,y,w,h,ignore).
std::vector<Detection> LabelledFaces(const std::string& file) {
  std::ifstream in(RequireShared("data/faces-dlib-voc/boxes.csv"));
  std::string line;
  std::vector<Detection> out;
  while (std::getline(in, line)) {
    std::stringstream row(line);
    std::vector<std::string> cells;
    for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
    if (cells.size() < 7 || cells[0] != "images/" + file || cells[6].substr(0, 1) != "0") continue;  // may end in \r
    Detection d;
    d.x0 = std::stof(cells[2]);
    d.y0 = std::stof(cells[3]);
    d.x1 = d.x0 + std::stof(cells[4]);
    d.y1 = d.y0 + std::stof(cells[5]);
    out.push_back(d);
  }
  return out;
}

float BestIoU(const Detection& truth, const std::vector<Detection>& found) {
  float best = 0;
  for (const auto& d : found) best = std::max(best, IoU(truth, d));
  return best;
}

void ExpectWellFormed(const FaceDetector& detector, const std::vector<Detection>& found, const RgbImage& image,
                      const FaceDetectorOptions& options) {
  ASSERT_LE(found.size(), static_cast<std::size_t>(options.max_faces));
  for (std::size_t i = 0; i < found.size(); ++i) {
    const Detection& d = found[i];
    EXPECT_GE(d.x0, 0.0f);
    EXPECT_GE(d.y0, 0.0f);
    EXPECT_LE(d.x1, static_cast<float>(image.width));
    EXPECT_LE(d.y1, static_cast<float>(image.height));
    EXPECT_LT(d.x0, d.x1);
    EXPECT_LT(d.y0, d.y1);
    EXPECT_GE(d.score, options.min_score);
    EXPECT_LE(d.score, 1.0f);
    EXPECT_EQ(d.label, "face");
    EXPECT_EQ(d.class_id, 0);
    EXPECT_EQ(d.landmarks.size(), detector.has_landmarks() ? 5u : 0u);
    if (i > 0) {
      EXPECT_GE(found[i - 1].score, d.score) << "not sorted by score at " << i;
    }
  }
}

TEST(FaceDetectorTest, LoadDispatchesOnTheCatalogFamily) {
  EXPECT_EQ(Detector("yunet").name(), "yunet");
  EXPECT_TRUE(Detector("yunet").has_landmarks());
  EXPECT_NE(dynamic_cast<const YunetFaceDetector*>(&Detector("yunet")), nullptr);
  for (const std::string name : {"ultraface-rfb-320", "ultraface-rfb-640"}) {
    EXPECT_EQ(Detector(name).name(), name);
    EXPECT_FALSE(Detector(name).has_landmarks());
    EXPECT_NE(Detector(name).provider().find("ExecutionProvider"), std::string::npos) << Detector(name).provider();
  }
  auto yolox = LoadFaceDetector(Spec("yolox-nano"), ModelPath("yolox-nano"), RuntimeConfig{});
  ASSERT_FALSE(yolox.ok());
  EXPECT_EQ(yolox.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(yolox.status().message().find("not a face detector"), std::string::npos) << yolox.status().message();
  // The right family with the wrong file is refused by the tensor check, not run.
  auto mismatched = LoadFaceDetector(Spec("ultraface-rfb-320"), ModelPath("ultraface-rfb-640"), RuntimeConfig{});
  ASSERT_FALSE(mismatched.ok());
  EXPECT_EQ(mismatched.status().code(), StatusCode::kFailedPrecondition);
}

TEST(FaceDetectorTest, EveryModelFindsTheLabelledFacesInGroupPhotos) {
  // dlib's boxes are tighter than these models' (brow to chin), hence IoU 0.4 per face.
  for (const std::string& name : kModels) {
    for (const std::string file : {"2008_002470.jpg", "2008_007676.jpg", "2007_007763.jpg"}) {
      SCOPED_TRACE(name + " " + file);
      const RgbImage image = Photo("faces-dlib-voc/images/" + file);
      const FaceDetectorOptions options;
      auto found = Detector(name).Detect(image, options);
      ASSERT_TRUE(found.ok()) << found.status().ToString();
      ExpectWellFormed(Detector(name), *found, image, options);
      const auto truth = LabelledFaces(file);
      ASSERT_GE(truth.size(), 6u);
      int matched = 0;
      for (const auto& t : truth) matched += BestIoU(t, *found) >= 0.4f ? 1 : 0;
      EXPECT_GE(matched, static_cast<int>(truth.size()) - 1);
      EXPECT_LE(found->size(), truth.size() + 2);
    }
  }
}

TEST(FaceDetectorTest, YunetLandmarksSitOnTheFace) {
  for (const std::string file : {"obama_1.jpg", "biden_1.jpg", "kit_harington_2.jpg", "rose_leslie_1.jpg"}) {
    SCOPED_TRACE(file);
    const RgbImage image = Photo("faces-identity/images/" + file);
    auto found = Detector("yunet").Detect(image, FaceDetectorOptions{});
    ASSERT_TRUE(found.ok());
    ASSERT_GE(found->size(), 1u);
    const Detection& face = found->front();
    EXPECT_GE(face.score, 0.8f);
    EXPECT_GT(face.area(), 0.01f * image.width * image.height) << "a portrait's face is not tiny";
    ASSERT_EQ(face.landmarks.size(), 5u);
    const float mx = 0.1f * face.width(), my = 0.1f * face.height();
    for (const PointF& p : face.landmarks) {
      EXPECT_GE(p.x, face.x0 - mx);
      EXPECT_LE(p.x, face.x1 + mx);
      EXPECT_GE(p.y, face.y0 - my);
      EXPECT_LE(p.y, face.y1 + my);
    }
    const PointF &right_eye = face.landmarks[0], &left_eye = face.landmarks[1], &nose = face.landmarks[2];
    const PointF &mouth_r = face.landmarks[3], &mouth_l = face.landmarks[4];
    EXPECT_LT(right_eye.x, left_eye.x) << "the subject's right eye is on the image's left";
    EXPECT_LT(mouth_r.x, mouth_l.x);
    EXPECT_LT(std::max(right_eye.y, left_eye.y), nose.y);
    EXPECT_LT(nose.y, std::min(mouth_r.y, mouth_l.y));
    EXPECT_GT(nose.x, right_eye.x);
    EXPECT_LT(nose.x, left_eye.x);
  }
}

TEST(FaceDetectorTest, UltraFaceFindsThePortraitFaceWhereYunetDoes) {
  for (const std::string file : {"obama_1.jpg", "biden_1.jpg", "alex_lacamoire_1.jpg", "kit_harington_2.jpg"}) {
    const RgbImage image = Photo("faces-identity/images/" + file);
    auto reference = Detector("yunet").Detect(image, FaceDetectorOptions{});
    ASSERT_TRUE(reference.ok());
    ASSERT_FALSE(reference->empty()) << file;
    for (const std::string name : {"ultraface-rfb-320", "ultraface-rfb-640"}) {
      SCOPED_TRACE(name + " " + file);
      const FaceDetectorOptions options;
      auto found = Detector(name).Detect(image, options);
      ASSERT_TRUE(found.ok());
      ExpectWellFormed(Detector(name), *found, image, options);
      ASSERT_FALSE(found->empty());
      EXPECT_GE(found->front().score, 0.9f);
      EXPECT_GE(IoU(found->front(), reference->front()), 0.5f);
    }
  }
}

TEST(FaceDetectorTest, BoxesFollowTheFaceWhenThePhotoIsPaddedOntoALargerCanvas) {
  // A portrait pasted at (500, 200) into a larger grey canvas: every model's face box must move with it.
  const RgbImage photo = Photo("faces-identity/images/kit_harington_2.jpg");
  RgbImage canvas = Solid(photo.width + 900, photo.height + 400, 128);
  for (int y = 0; y < photo.height; ++y) std::copy_n(photo.row(y), photo.stride(), canvas.row(y + 200) + 500 * 3);
  for (const std::string& name : kModels) {
    SCOPED_TRACE(name);
    auto alone = Detector(name).Detect(photo, FaceDetectorOptions{});
    auto padded = Detector(name).Detect(canvas, FaceDetectorOptions{});
    ASSERT_TRUE(alone.ok() && padded.ok());
    ASSERT_FALSE(alone->empty());
    ASSERT_FALSE(padded->empty());
    Detection moved = alone->front();
    moved.x0 += 500;
    moved.x1 += 500;
    moved.y0 += 200;
    moved.y1 += 200;
    EXPECT_GE(IoU(moved, padded->front()), 0.7f);
    if (Detector(name).has_landmarks()) {
      EXPECT_NEAR(padded->front().landmarks[2].x, alone->front().landmarks[2].x + 500, 0.1f * moved.width());
      EXPECT_NEAR(padded->front().landmarks[2].y, alone->front().landmarks[2].y + 200, 0.1f * moved.height());
    }
  }
}

TEST(FaceDetectorTest, MinScoreAndMaxFacesAreRespected) {
  const RgbImage image = Photo("faces-dlib-voc/images/2008_004176.jpg");
  for (const std::string& name : kModels) {
    SCOPED_TRACE(name);
    FaceDetectorOptions low;
    low.min_score = 0.3f;
    auto many = Detector(name).Detect(image, low);
    ASSERT_TRUE(many.ok());
    ExpectWellFormed(Detector(name), *many, image, low);
    ASSERT_GE(many->size(), 5u);
    FaceDetectorOptions high = low;
    high.min_score = 0.95f;
    auto few = Detector(name).Detect(image, high);
    ASSERT_TRUE(few.ok());
    ExpectWellFormed(Detector(name), *few, image, high);
    std::size_t above = 0;
    for (const auto& d : *many) above += d.score >= 0.95f ? 1 : 0;
    EXPECT_EQ(few->size(), above);
    FaceDetectorOptions capped = low;
    capped.max_faces = 3;
    auto three = Detector(name).Detect(image, capped);
    ASSERT_TRUE(three.ok());
    ASSERT_EQ(three->size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) EXPECT_FLOAT_EQ((*three)[i].score, (*many)[i].score);
  }
}

TEST(FaceDetectorTest, UniformImagesGiveNoFaces) {
  for (const std::string& name : kModels) {
    for (std::uint8_t v : {0, 127, 255}) {
      auto found = Detector(name).Detect(Solid(640, 480, v), FaceDetectorOptions{});
      ASSERT_TRUE(found.ok());
      EXPECT_TRUE(found->empty()) << name << " value " << int(v) << ": score " << found->front().score;
    }
  }
}

TEST(FaceDetectorTest, TinyAndExtremeAspectImagesWork) {
  const RgbImage photo = Photo("faces-identity/images/obama_1.jpg");
  RgbImage strip = Solid(4000, 30, 0);
  for (int y = 0; y < 30; ++y) {
    for (int x = 0; x < 4000; ++x) std::copy_n(photo.row(300 + y) + (x % photo.width) * 3, 3, strip.row(y) + x * 3);
  }
  const std::vector<RgbImage> images = {Solid(1, 1, 50), Solid(5000, 3, 90), Solid(3, 5000, 90), strip};
  FaceDetectorOptions options;
  options.min_score = 0.05f;
  for (const std::string& name : kModels) {
    for (const auto& image : images) {
      SCOPED_TRACE(name + " " + std::to_string(image.width) + "x" + std::to_string(image.height));
      auto found = Detector(name).Detect(image, options);
      ASSERT_TRUE(found.ok()) << found.status().ToString();
      ExpectWellFormed(Detector(name), *found, image, options);
    }
  }
}

TEST(FaceDetectorTest, RejectsInvalidOptionsAndEmptyImages) {
  const RgbImage image = Solid(64, 64, 10);
  for (const std::string& name : kModels) {
    for (auto change : std::vector<std::function<void(FaceDetectorOptions&)>>{
             [](auto& o) { o.min_score = 1.5f; }, [](auto& o) { o.min_score = -0.1f; }, [](auto& o) { o.nms_iou = 0; },
             [](auto& o) { o.nms_iou = 1.5f; }, [](auto& o) { o.max_faces = 0; }}) {
      FaceDetectorOptions options;
      change(options);
      EXPECT_EQ(Detector(name).Detect(image, options).status().code(), StatusCode::kUnprocessable) << name;
    }
    EXPECT_EQ(Detector(name).Detect(RgbImage{}, FaceDetectorOptions{}).status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(YunetFaceDetectorTest, InputSizeClampsTheLongSideTo320To640InMultiplesOf32) {
  const auto& yunet = dynamic_cast<const YunetFaceDetector&>(Detector("yunet"));
  const auto size = [&](int w, int h) {
    const PixelSize s = yunet.InputSizeFor(w, h);
    return std::to_string(s.width) + "x" + std::to_string(s.height);
  };
  EXPECT_EQ(size(500, 375), "512x384");
  EXPECT_EQ(size(640, 640), "640x640");
  EXPECT_EQ(size(1024, 576), "640x384");
  EXPECT_EQ(size(576, 1024), "384x640");
  EXPECT_EQ(size(200, 100), "320x160");
  EXPECT_EQ(size(1, 1), "320x320");
  EXPECT_EQ(size(5000, 3), "640x32");
  FaceDetectorOptions options;
  EXPECT_EQ(yunet.DetectAtSize(Solid(64, 64, 0), {100, 64}, options).status().code(), StatusCode::kUnprocessable);
  EXPECT_TRUE(yunet.DetectAtSize(Solid(64, 64, 0), {96, 64}, options).ok());
}

}  // namespace
}  // namespace iris
