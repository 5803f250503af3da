// ObjectDetector with the real YOLOX-Nano export (../shared/models/detector-yolox-nano) on real COCO
// photos (../shared/data/coco-tiny, boxes from boxes.csv).
#include "vision/object_detector.h"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <future>
#include <sstream>

#include "image/image_decoder.h"
#include "support/shared_data.h"
#include "vision/tiled_detection.h"

namespace iris {
namespace {

using iris::testing::ReadFileBytes;
using iris::testing::RequireShared;

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

const ObjectDetector& Yolox() {
  static const std::unique_ptr<ObjectDetector> detector = [] {
    auto d = ObjectDetector::Load(Spec("yolox-nano"), RequireShared("models/detector-yolox-nano/yolox_nano.onnx"),
                                  RuntimeConfig{});
    if (!d.ok()) throw std::runtime_error(d.status().ToString());
    return std::move(d).value();
  }();
  return *detector;
}

RgbImage Photo(const std::string& file) {
  auto decoded = DecodeImage(ReadFileBytes(RequireShared("data/coco-tiny/images/" + file)), DecodeOptions{});
  if (!decoded.ok()) throw std::runtime_error(decoded.status().ToString());
  return std::move(decoded->image);
}

RgbImage Solid(int w, int h, std::uint8_t v) {
  return RgbImage{w, h, std::vector<std::uint8_t>(static_cast<std::size_t>(w) * h * 3, v)};
}

// The labelled person boxes (iscrowd 0) of one coco-tiny image, from boxes.csv (file,category,x,y,w,h,iscrowd,area).
std::vector<Detection> LabelledPersons(const std::string& file) {
  std::ifstream in(RequireShared("data/coco-tiny/boxes.csv"));
  std::string line;
  std::vector<Detection> out;
  while (std::getline(in, line)) {
    std::stringstream row(line);
    std::vector<std::string> cells;
    for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
    if (cells.size() < 7 || cells[0] != "images/" + file || cells[1] != "person" || cells[6] != "0") continue;
    Detection d;
    d.x0 = std::stof(cells[2]);
    d.y0 = std::stof(cells[3]);
    d.x1 = d.x0 + std::stof(cells[4]);
    d.y1 = d.y0 + std::stof(cells[5]);
    out.push_back(d);
  }
  return out;
}

float BestIoU(const Detection& truth, const std::vector<Detection>& found, int class_id) {
  float best = 0;
  for (const auto& d : found) {
    if (d.class_id == class_id) best = std::max(best, IoU(truth, d));
  }
  return best;
}

void ExpectWellFormed(const std::vector<Detection>& found, const RgbImage& image,
                      const ObjectDetectorOptions& options) {
  ASSERT_LE(found.size(), static_cast<std::size_t>(options.max_detections));
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
    ASSERT_GE(d.class_id, 0);
    ASSERT_LT(d.class_id, 80);
    EXPECT_EQ(d.label, Yolox().labels()[static_cast<std::size_t>(d.class_id)]);
    EXPECT_TRUE(d.landmarks.empty());
    if (i > 0) {
      EXPECT_GE(found[i - 1].score, d.score) << "not sorted by score at " << i;
    }
  }
}

TEST(ObjectDetectorTest, LoadsTheCatalogEntry) {
  EXPECT_EQ(Yolox().name(), "yolox-nano");
  ASSERT_EQ(Yolox().labels().size(), 80u);
  EXPECT_EQ(Yolox().labels()[0], "person");
  EXPECT_EQ(Yolox().labels()[19], "cow");
  EXPECT_EQ(Yolox().labels()[25], "umbrella");
  EXPECT_NE(Yolox().provider().find("ExecutionProvider"), std::string::npos) << Yolox().provider();
}

TEST(ObjectDetectorTest, RefusesAModelOfAnotherFamily) {
  auto d =
      ObjectDetector::Load(Spec("yunet"), RequireShared("models/detector-yolox-nano/yolox_nano.onnx"), RuntimeConfig{});
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(d.status().message().find("not a YOLOX"), std::string::npos) << d.status().message();
}

TEST(ObjectDetectorTest, RefusesAModelFileThatDoesNotMatchTheCatalog) {
  auto d = ObjectDetector::Load(Spec("yolox-nano"),
                                RequireShared("models/face-detector-yunet/face_detection_yunet_2026may.onnx"),
                                RuntimeConfig{});
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kFailedPrecondition) << d.status().ToString();
}

TEST(ObjectDetectorTest, FindsTheLabelledPersonsInCocoPhotos) {
  // Single, large, unoccluded persons: YOLOX-Nano must find each one with a tight box.
  for (const std::string file : {"000000522418.jpg", "000000574769.jpg", "000000483108.jpg", "000000005802.jpg"}) {
    SCOPED_TRACE(file);
    const RgbImage image = Photo(file);
    const ObjectDetectorOptions options;
    auto found = Yolox().Detect(image, options);
    ASSERT_TRUE(found.ok()) << found.status().ToString();
    ExpectWellFormed(*found, image, options);
    const auto persons = LabelledPersons(file);
    ASSERT_FALSE(persons.empty());
    for (const auto& truth : persons) EXPECT_GE(BestIoU(truth, *found, 0), 0.5f);
  }
}

TEST(ObjectDetectorTest, FindsOtherCocoClassesToo) {
  // The herd photo (boxes.csv): the umbrella and the cow across the middle must come back with their
  // labels. (YOLOX-Nano calls the big cow in front a sheep, so that one is not asserted.)
  const RgbImage image = Photo("000000184613.jpg");
  auto found = Yolox().Detect(image, ObjectDetectorOptions{});
  ASSERT_TRUE(found.ok());
  const auto box = [](float x, float y, float w, float h) {
    Detection d;
    d.x0 = x;
    d.y0 = y;
    d.x1 = x + w;
    d.y1 = y + h;
    return d;
  };
  EXPECT_GE(BestIoU(box(103.44f, 31.01f, 154.79f, 135.15f), *found, 25), 0.5f) << "umbrella";
  EXPECT_GE(BestIoU(box(285.08f, 85.99f, 170.23f, 64.48f), *found, 19), 0.5f) << "cow";
  for (const auto& d : *found) EXPECT_NE(d.label, "refrigerator");
}

TEST(ObjectDetectorTest, ClassFilterKeepsExactlyThoseClassesOfTheUnfilteredResult) {
  const RgbImage image = Photo("000000184613.jpg");
  ObjectDetectorOptions all;
  all.min_score = 0.3f;
  auto unfiltered = Yolox().Detect(image, all);
  ASSERT_TRUE(unfiltered.ok());
  ObjectDetectorOptions persons = all;
  persons.classes = {0};
  auto filtered = Yolox().Detect(image, persons);
  ASSERT_TRUE(filtered.ok());
  std::vector<Detection> expected;
  for (const auto& d : *unfiltered) {
    if (d.class_id == 0) expected.push_back(d);
  }
  ASSERT_GE(expected.size(), 3u);
  ASSERT_LT(expected.size(), unfiltered->size()) << "the photo has cows too";
  ASSERT_EQ(filtered->size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ((*filtered)[i].class_id, 0);
    EXPECT_FLOAT_EQ((*filtered)[i].score, expected[i].score);
    EXPECT_FLOAT_EQ((*filtered)[i].x0, expected[i].x0);
    EXPECT_FLOAT_EQ((*filtered)[i].y1, expected[i].y1);
  }
  persons.classes = {19};  // cow
  auto cows = Yolox().Detect(image, persons);
  ASSERT_TRUE(cows.ok());
  ASSERT_FALSE(cows->empty());
  for (const auto& d : *cows) EXPECT_EQ(d.label, "cow");
}

TEST(ObjectDetectorTest, MinScoreAndMaxDetectionsAreRespected) {
  const RgbImage image = Photo("000000554625.jpg");
  ObjectDetectorOptions low;
  low.min_score = 0.1f;
  auto many = Yolox().Detect(image, low);
  ASSERT_TRUE(many.ok());
  ExpectWellFormed(*many, image, low);
  ASSERT_GE(many->size(), 6u);
  ASSERT_LT(many->back().score, 0.5f) << "need low-scoring detections for this test";

  ObjectDetectorOptions high = low;
  high.min_score = 0.5f;
  auto few = Yolox().Detect(image, high);
  ASSERT_TRUE(few.ok());
  ExpectWellFormed(*few, image, high);
  std::size_t above = 0;
  for (const auto& d : *many) above += d.score >= 0.5f ? 1 : 0;
  EXPECT_EQ(few->size(), above);

  ObjectDetectorOptions capped = low;
  capped.max_detections = 2;
  auto two = Yolox().Detect(image, capped);
  ASSERT_TRUE(two.ok());
  ASSERT_EQ(two->size(), 2u);
  EXPECT_FLOAT_EQ((*two)[0].score, (*many)[0].score);
  EXPECT_FLOAT_EQ((*two)[1].score, (*many)[1].score);
}

TEST(ObjectDetectorTest, BoxesFollowTheImageWhenItIsPaddedOntoAWiderCanvas) {
  // The same photo pasted at (300, 40) into a wider grey canvas: the person box must move with it
  // (checks the letterbox mapping for a different aspect ratio and scale).
  const RgbImage photo = Photo("000000522418.jpg");
  RgbImage canvas = Solid(photo.width + 600, photo.height + 120, 128);
  for (int y = 0; y < photo.height; ++y) {
    std::copy_n(photo.row(y), photo.stride(), canvas.row(y + 40) + 300 * 3);
  }
  ObjectDetectorOptions options;
  options.classes = {0};
  auto found = Yolox().Detect(canvas, options);
  ASSERT_TRUE(found.ok());
  ExpectWellFormed(*found, canvas, options);
  Detection truth = LabelledPersons("000000522418.jpg").at(0);
  truth.x0 += 300;
  truth.x1 += 300;
  truth.y0 += 40;
  truth.y1 += 40;
  EXPECT_GE(BestIoU(truth, *found, 0), 0.6f);
}

TEST(ObjectDetectorTest, UniformImagesGiveNoDetections) {
  for (std::uint8_t v : {0, 114, 255}) {
    auto found = Yolox().Detect(Solid(640, 480, v), ObjectDetectorOptions{});
    ASSERT_TRUE(found.ok());
    EXPECT_TRUE(found->empty()) << "value " << int(v) << ": " << found->front().label << " " << found->front().score;
  }
}

TEST(ObjectDetectorTest, TinyAndExtremeAspectImagesWork) {
  const RgbImage photo = Photo("000000522418.jpg");
  std::vector<RgbImage> images = {Solid(1, 1, 200), Solid(3000, 2, 90), Solid(2, 3000, 90)};
  // A real 3000x40 strip cut from a photo row band, repeated sideways.
  RgbImage strip = Solid(3000, 40, 0);
  for (int y = 0; y < 40; ++y) {
    for (int x = 0; x < 3000; ++x) std::copy_n(photo.row(200 + y) + (x % photo.width) * 3, 3, strip.row(y) + x * 3);
  }
  images.push_back(std::move(strip));
  ObjectDetectorOptions options;
  options.min_score = 0.05f;
  for (const auto& image : images) {
    SCOPED_TRACE(std::to_string(image.width) + "x" + std::to_string(image.height));
    auto found = Yolox().Detect(image, options);
    ASSERT_TRUE(found.ok()) << found.status().ToString();
    ExpectWellFormed(*found, image, options);
  }
}

TEST(ObjectDetectorTest, RejectsInvalidOptionsAndEmptyImages) {
  const RgbImage image = Solid(64, 64, 10);
  for (auto change : std::vector<std::function<void(ObjectDetectorOptions&)>>{
           [](auto& o) { o.min_score = 1.5f; }, [](auto& o) { o.min_score = -0.1f; }, [](auto& o) { o.nms_iou = 0; },
           [](auto& o) { o.max_detections = 0; }, [](auto& o) { o.classes = {80}; },
           [](auto& o) { o.classes = {-1}; }}) {
    ObjectDetectorOptions options;
    change(options);
    EXPECT_EQ(Yolox().Detect(image, options).status().code(), StatusCode::kUnprocessable);
  }
  EXPECT_EQ(Yolox().Detect(RgbImage{}, ObjectDetectorOptions{}).status().code(), StatusCode::kInvalidArgument);
}

TEST(ObjectDetectorTest, ConcurrentCallsGiveTheSameAnswer) {
  const RgbImage image = Photo("000000060623.jpg");
  auto reference = Yolox().Detect(image, ObjectDetectorOptions{});
  ASSERT_TRUE(reference.ok());
  ASSERT_FALSE(reference->empty());
  std::vector<std::future<Result<std::vector<Detection>>>> runs;
  for (int i = 0; i < 4; ++i) {
    runs.push_back(std::async(std::launch::async, [&] { return Yolox().Detect(image, ObjectDetectorOptions{}); }));
  }
  for (auto& run : runs) {
    auto found = run.get();
    ASSERT_TRUE(found.ok());
    ASSERT_EQ(found->size(), reference->size());
    for (std::size_t i = 0; i < found->size(); ++i) {
      EXPECT_EQ((*found)[i].class_id, (*reference)[i].class_id);
      EXPECT_NEAR((*found)[i].score, (*reference)[i].score, 1e-5);
    }
  }
}

// DetectTiled (vision/tiled_detection.h): grid 1 is Detect; a 2x2 grid finds the small objects of a
// cluttered kitchen that the whole-image pass misses, and keeps every box inside the image.
TEST(ObjectDetectorTest, TiledDetectionFindsMoreSmallObjects) {
  const RgbImage photo = Photo("000000193271.jpg");
  ObjectDetectorOptions options;
  options.min_score = 0.3f;
  const auto whole = Yolox().Detect(photo, options);
  ASSERT_TRUE(whole.ok());
  const auto same = DetectTiled(Yolox(), photo, options, 1);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->size(), whole->size());
  const auto tiled = DetectTiled(Yolox(), photo, options, 2);
  ASSERT_TRUE(tiled.ok()) << tiled.status().ToString();
  EXPECT_GT(tiled->size(), whole->size());
  for (std::size_t i = 0; i < tiled->size(); ++i) {
    const Detection& d = (*tiled)[i];
    EXPECT_GE(d.x0, 0.0f);
    EXPECT_LE(d.x1, static_cast<float>(photo.width));
    EXPECT_LE(d.y1, static_cast<float>(photo.height));
    if (i > 0) {
      EXPECT_LE(d.score, (*tiled)[i - 1].score);
    }
  }
}

}  // namespace
}  // namespace iris
