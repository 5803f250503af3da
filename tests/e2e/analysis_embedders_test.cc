// End-to-end: embed_dino_v2 / embed_dino_v3 / embed_resnet50 through the real install path. Real DINO
// and ResNet weights cannot be downloaded here, so the tiny fixtures with the same tensor contracts
// (tests/fixtures/make_embedder_fixtures.py: the pooled output is the per-channel mean of the model
// input) are put in a mirror folder and installed with `iris models pull --allow-unverified`, exactly
// as a user installs the real exports.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "analysis_server.h"
#include "image/test_images.h"

namespace iris::testing {
namespace {

namespace fs = std::filesystem;

nlohmann::json Task(const std::string& id, const std::string& type, nlohmann::json params = nlohmann::json::object()) {
  return {{"operation_id", id}, {"type", type}, {"params", params}};
}

class EmbeddersE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path mirror = root_.path() / "mirror";
    fs::create_directories(mirror / "dinov2-small");
    fs::create_directories(mirror / "resnet50");
    fs::copy_file(SourceDir() / "tests/fixtures/dino_tiny.onnx", mirror / "dinov2-small/model.onnx");
    std::ofstream(mirror / "dinov2-small/preprocessor_config.json")
        << R"({"crop_size": {"height": 224, "width": 224}})";
    fs::copy_file(SourceDir() / "tests/fixtures/resnet_pooled_tiny.onnx", mirror / "resnet50/model.onnx");
    models_ = root_.path() / "models";
    auto pulled = RunCommand(IrisBinary() + " models pull dinov2-small resnet50 --allow-unverified --models-dir " +
                             models_.string() + " --model-mirror " + mirror.string());
    ASSERT_EQ(pulled.exit_code, 0) << pulled.output;
    auto detectors = RunCommand(IrisBinary() + " models pull yolox-nano yunet --models-dir " + models_.string() +
                                " --model-mirror " + RequireShared("models").string());
    ASSERT_EQ(detectors.exit_code, 0) << detectors.output;
  }
  TempDir root_, classifiers_;
  fs::path models_;
};

TEST_F(EmbeddersE2eTest, SingleTowerEmbeddersRunOnTheRequestedRegion) {
  auto server = StartAnalysisServer(classifiers_.path(), {}, {}, models_);
  auto client = server->Client();
  auto res = AnalyzeUpload(*client, SolidJpeg(220, 20, 30), "red.jpg",
                           {Task("dino", "embed_dino_v2"), Task("resnet", "embed_resnet50"),
                            Task("dino_person", "embed_dino_v2", {{"target", "prominent_person"}}),
                            Task("raw", "embed_dino_v2", {{"normalize", false}}), Task("v3_default", "embed_dino_v3"),
                            Task("v3_with_v2", "embed_dino_v3", {{"model", "dinov2-small"}})});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  auto r = ParseJson(res->body)["results"];
  ASSERT_EQ(r["dino"]["status"], "success") << r["dino"];
  const auto& dino = r["dino"]["data"];
  ASSERT_EQ(dino.size(), 384u);
  // The fixture's pooled output is the mean of each normalised channel: red is positive, green and
  // blue negative (ImageNet mean/std), repeated every 3 values; and the vector has unit length.
  EXPECT_GT(dino[0].get<double>(), 0);
  EXPECT_LT(dino[1].get<double>(), 0);
  EXPECT_LT(dino[2].get<double>(), 0);
  double norm = 0;
  for (std::size_t j = 0; j < dino.size(); ++j) {
    EXPECT_NEAR(dino[j].get<double>(), dino[j % 3].get<double>(), 1e-6);
    norm += dino[j].get<double>() * dino[j].get<double>();
  }
  EXPECT_NEAR(norm, 1.0, 1e-4);
  // Unnormalised: the channel means themselves, ((220/255) - 0.485) / 0.229 = 1.65 for red.
  EXPECT_NEAR(r["raw"]["data"][0].get<double>(), 1.65, 0.05);
  ASSERT_EQ(r["resnet"]["status"], "success") << r["resnet"];
  EXPECT_EQ(r["resnet"]["data"].size(), 2048u);  // the pooled features, as seed 002 embeds
  // No person in a plain colour: the whole image, no crop.
  EXPECT_EQ(r["dino_person"]["status"], "success");
  EXPECT_TRUE(r["dino_person"]["cropped_image_bbox"].is_null());
  EXPECT_EQ(r["dino_person"]["data"], r["dino"]["data"]);
  // DINOv3 is not installed; another installed model of the same task can stand in.
  EXPECT_EQ(r["v3_default"]["status"], "error");
  EXPECT_NE(r["v3_default"]["error_message"].get<std::string>().find("iris models pull dinov3-vitl16"),
            std::string::npos);
  EXPECT_EQ(r["v3_with_v2"]["status"], "success");
  EXPECT_EQ(r["v3_with_v2"]["data"], r["dino"]["data"]);
}

}  // namespace
}  // namespace iris::testing
