// FaceEmbedder with the real MobileFaceNet export and YuNet landmarks on real photos
// (../shared/data/faces-identity). bench/face_verification_quality.cc measures the whole set.
#include "vision/face_embedder.h"

#include <gtest/gtest.h>

#include "image/image_decoder.h"
#include "support/shared_data.h"
#include "vision/embedding_math.h"
#include "vision/face_alignment.h"
#include "vision/face_detector.h"

namespace iris {
namespace {

using iris::testing::ReadFileBytes;
using iris::testing::RequireShared;

const models::ModelSpec& Spec(const std::string& name) {
  static const models::ModelCatalog catalog =
      models::ModelCatalog::LoadDefault([](const std::string&) { return std::nullopt; }).value();
  return *catalog.Find(name).value();
}

std::filesystem::path ModelPath(const std::string& name) {
  return RequireShared("models/" + Spec(name).mirror_path + "/" + Spec(name).FindFile("model")->path);
}

const FaceEmbedder& Embedder() {
  static const std::unique_ptr<FaceEmbedder> model = [] {
    auto m = FaceEmbedder::Load(Spec("mobilefacenet"), ModelPath("mobilefacenet"), RuntimeConfig{});
    if (!m.ok()) throw std::runtime_error(m.status().ToString());
    return std::move(m).value();
  }();
  return *model;
}

RgbImage Photo(const std::string& file) {
  auto decoded = DecodeImage(ReadFileBytes(RequireShared("data/faces-identity/images/" + file)), DecodeOptions{});
  if (!decoded.ok()) throw std::runtime_error(decoded.status().ToString());
  return std::move(decoded->image);
}

// YuNet's faces, largest first.
std::vector<Detection> Faces(const RgbImage& image) {
  static const std::unique_ptr<FaceDetector> yunet = [] {
    auto d = LoadFaceDetector(Spec("yunet"), ModelPath("yunet"), RuntimeConfig{});
    if (!d.ok()) throw std::runtime_error(d.status().ToString());
    return std::move(d).value();
  }();
  auto faces = yunet->Detect(image, FaceDetectorOptions{});
  if (!faces.ok()) throw std::runtime_error(faces.status().ToString());
  std::sort(faces->begin(), faces->end(), [](const Detection& a, const Detection& b) { return a.area() > b.area(); });
  return *faces;
}

Embedding LargestFace(const std::string& file) {
  const RgbImage image = Photo(file);
  const std::vector<Detection> faces = Faces(image);
  if (faces.empty() || faces[0].landmarks.size() != 5) throw std::runtime_error("no face with landmarks in " + file);
  auto e = Embedder().EmbedFaces(image, std::span(faces).first(1));
  if (!e.ok()) throw std::runtime_error(e.status().ToString());
  return e->front();
}

// The image turned 90 degrees clockwise: source (x, y) goes to (h - 1 - y, x).
RgbImage RotateClockwise(const RgbImage& in) {
  RgbImage out{in.height, in.width, std::vector<std::uint8_t>(in.pixels.size())};
  for (int y = 0; y < in.height; ++y) {
    for (int x = 0; x < in.width; ++x) {
      const std::uint8_t* s = in.row(y) + 3 * x;
      std::uint8_t* d = out.row(x) + 3 * (in.height - 1 - y);
      d[0] = s[0], d[1] = s[1], d[2] = s[2];
    }
  }
  return out;
}

TEST(FaceEmbedderTest, LoadsTheCatalogModel) {
  const FaceEmbedder& model = Embedder();
  EXPECT_EQ(model.name(), "mobilefacenet");
  EXPECT_EQ(model.dim(), 128);
  EXPECT_EQ(model.input_size(), 112);
  EXPECT_EQ(model.provider(), "CPUExecutionProvider");
  const RgbImage image = Photo("obama_2.jpg");
  const std::vector<Detection> faces = Faces(image);
  ASSERT_FALSE(faces.empty());
  auto crop = AlignFace(image, faces[0], 112);
  ASSERT_TRUE(crop.ok());
  auto e = model.Embed(*crop);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  ASSERT_EQ(e->size(), 128u);
  EXPECT_NEAR(Dot(*e, *e), 1.0f, 1e-5);
}

TEST(FaceEmbedderTest, AlignedEmbeddingsTellPeopleApart) {
  // Different photos of the same person score well above different people (the whole set
  // separates at about 0.27 vs 0.50, see bench/face_verification_quality.cc).
  const Embedding obama_2 = LargestFace("obama_2.jpg");
  const Embedding obama_4 = LargestFace("obama_4.jpg");
  const Embedding biden_1 = LargestFace("biden_1.jpg");
  const Embedding biden_2 = LargestFace("biden_2.jpg");
  const Embedding kit_3 = LargestFace("kit_harington_3.jpg");
  EXPECT_GT(Dot(obama_2, obama_4), 0.4f);
  EXPECT_GT(Dot(biden_1, biden_2), 0.4f);
  for (const Embedding* other : {&biden_1, &biden_2, &kit_3}) EXPECT_LT(Dot(obama_2, *other), 0.3f);
  EXPECT_LT(Dot(biden_1, kit_3), 0.3f);
}

TEST(FaceEmbedderTest, EmbedFacesAlignsEachFaceInOrder) {
  const RgbImage image = Photo("group_two_people.jpg");
  std::vector<Detection> faces = Faces(image);
  ASSERT_GE(faces.size(), 2u);
  faces.resize(2);
  Detection box_only = faces[0];
  box_only.landmarks.clear();
  faces.push_back(box_only);  // no landmarks: the square box crop
  auto all = Embedder().EmbedFaces(image, faces);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 3u);
  for (std::size_t i = 0; i < faces.size(); ++i) {
    auto one = Embedder().Embed(AlignFace(image, faces[i], 112).value());
    ASSERT_TRUE(one.ok());
    EXPECT_NEAR(Dot(*one, (*all)[i]), 1.0f, 1e-5) << i;
  }
  EXPECT_LT(Dot((*all)[0], (*all)[1]), 0.3f) << "two different people";
  auto none = Embedder().EmbedFaces(image, {});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(FaceEmbedderTest, AlignmentUndoesAnInPlaneRotation) {
  // The same photo turned 90 degrees, landmarks turned with it: the aligned crop is the same face,
  // while the box crop shows a sideways face that the model does not recognise.
  const RgbImage image = Photo("obama_2.jpg");
  const RgbImage turned = RotateClockwise(image);
  const Detection face = Faces(image).at(0);
  Detection turned_face;
  const float h = static_cast<float>(image.height);
  turned_face.x0 = h - 1 - face.y1, turned_face.x1 = h - 1 - face.y0;
  turned_face.y0 = face.x0, turned_face.y1 = face.x1;
  for (PointF p : face.landmarks) turned_face.landmarks.push_back({h - 1 - p.y, p.x});

  const std::vector<Detection> original_faces = {face};
  const std::vector<Detection> turned_faces = {turned_face};
  const Embedding upright = Embedder().EmbedFaces(image, original_faces).value().front();
  const Embedding aligned = Embedder().EmbedFaces(turned, turned_faces).value().front();
  EXPECT_GT(Dot(upright, aligned), 0.99f);

  Detection box_only = turned_face;
  box_only.landmarks.clear();
  const std::vector<Detection> box_faces = {box_only};
  const Embedding sideways = Embedder().EmbedFaces(turned, box_faces).value().front();
  EXPECT_LT(Dot(upright, sideways), 0.5f);
}

TEST(FaceEmbedderTest, BadFacesAndModelsAreErrors) {
  const RgbImage image = Photo("obama_2.jpg");
  Detection degenerate;
  degenerate.x0 = 10, degenerate.y0 = 10, degenerate.x1 = 100, degenerate.y1 = 100;
  degenerate.landmarks.assign(5, PointF{50, 50});
  const std::vector<Detection> faces = {degenerate};
  EXPECT_EQ(Embedder().EmbedFaces(image, faces).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Embedder().Embed(RgbImage{}).status().code(), StatusCode::kInvalidArgument);

  // A model that does not take [1,3,112,112] -> [1,128].
  const auto fixture = iris::testing::SourceDir() / "tests/fixtures/dino_tiny.onnx";
  auto wrong = FaceEmbedder::Load(Spec("mobilefacenet"), fixture, RuntimeConfig{});
  ASSERT_EQ(wrong.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(wrong.status().message().find("model mobilefacenet"), std::string::npos) << wrong.status().message();
  // Not a face embedding entry.
  auto not_face = FaceEmbedder::Load(Spec("yunet"), ModelPath("yunet"), RuntimeConfig{});
  ASSERT_EQ(not_face.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(not_face.status().message().find("face_embedding"), std::string::npos) << not_face.status().message();
}

}  // namespace
}  // namespace iris
