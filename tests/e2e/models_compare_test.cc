// End-to-end: `iris models compare A B --images DIR` on real photos, with the CLIP stand-ins and their
// int8 twins (support/int8_standins.h) as local model folders.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "e2e_http.h"
#include "support/int8_standins.h"

namespace iris::testing {
namespace {

namespace fs = std::filesystem;

// A folder with the first `n` photos of ../shared/data/debian-photos/images.
fs::path PhotoFolder(const TempDir& dir, int n) {
  const fs::path out = dir.path() / "photos";
  fs::create_directories(out);
  std::vector<fs::path> photos;
  for (const auto& e : fs::directory_iterator(RequireShared("data/debian-photos/images"))) photos.push_back(e.path());
  std::sort(photos.begin(), photos.end());
  for (int i = 0; i < n && i < static_cast<int>(photos.size()); ++i) {
    fs::copy_file(photos[i], out / photos[i].filename());
  }
  return out;
}

std::string LocalModels() {
  return " --local-models tiny=" + StandInFolder("tiny", "fp32").string() +
         ",tiny8=" + StandInFolder("tiny", "int8").string() + ",colors=" + StandInFolder("colors", "fp32").string() +
         ",colors8=" + StandInFolder("colors", "int8").string();
}

TEST(ModelsCompareE2eTest, PrintsCosineNeighbourAndZeroShotAgreementOfTheInt8Twin) {
  TempDir dir;
  const fs::path photos = PhotoFolder(dir, 12);
  const fs::path json = dir.path() / "compare.json";
  auto run = RunCommand(IrisBinary() + " models compare tiny tiny8 --images " + photos.string() + LocalModels() +
                        " --per-image --labels 'a dog,a cat,a building,a flower' --json " + json.string());
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("tiny (512-d) vs tiny8 (512-d) on 12 images"), std::string::npos) << run.output;
  for (const char* row : {"cosine A vs B, min", "cosine A vs B, mean", "top-10 neighbour agreement, mean",
                          "zero-shot agreement (4 labels)"}) {
    EXPECT_NE(run.output.find(row), std::string::npos) << row << "\n" << run.output;
  }
  const auto result = ParseJson(ReadFileBytes(json));
  EXPECT_EQ(result["images"], 12);
  EXPECT_EQ(result["neighbours_k"], 10);
  EXPECT_EQ(result["per_image"].size(), 12u);
  const double cosine_min = result["cosine_min"].get<double>(), cosine_mean = result["cosine_mean"].get<double>();
  EXPECT_GT(cosine_min, 0.5);  // quantized, not broken: random-weight towers at int8 stay close
  EXPECT_LT(cosine_min, 1.0);  // and not identical: the towers were quantized
  EXPECT_GE(cosine_mean, cosine_min);
  const double agreement = result["neighbour_agreement_mean"].get<double>();
  EXPECT_GE(agreement, 0.0);
  EXPECT_LE(agreement, 1.0);
  EXPECT_GE(result["zero_shot_agreement"].get<double>(), 0.0);
}

// Zero-shot answers known for clip-standin-colors stay the same for its int8 twin (quantize_dynamic.py
// finds no MatMul in it, so the twin's graphs compute the same numbers: agreement and cosine are exact).
TEST(ModelsCompareE2eTest, ColoursTwinKeepsItsZeroShotAnswersAndDefaultsNeedNoLabels) {
  TempDir dir;
  const fs::path photos = PhotoFolder(dir, 6);
  const fs::path json = dir.path() / "compare.json";
  auto run = RunCommand(IrisBinary() + " models compare colors colors8 --images " + photos.string() + LocalModels() +
                        " --json " + json.string());
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const auto result = ParseJson(ReadFileBytes(json));
  EXPECT_EQ(result["labels"], 20);  // the default everyday labels
  EXPECT_DOUBLE_EQ(result["zero_shot_agreement"].get<double>(), 1.0);
  EXPECT_NEAR(result["cosine_min"].get<double>(), 1.0, 1e-5);
  EXPECT_DOUBLE_EQ(result["neighbour_agreement_mean"].get<double>(), 1.0);
}

TEST(ModelsCompareE2eTest, BadInputsAreClearErrors) {
  TempDir dir;
  const fs::path one = PhotoFolder(dir, 1);
  auto too_few = RunCommand(IrisBinary() + " models compare tiny tiny8 --images " + one.string() + LocalModels());
  EXPECT_EQ(too_few.exit_code, 2) << too_few.output;
  EXPECT_NE(too_few.output.find("at least 2 are needed"), std::string::npos) << too_few.output;
  fs::copy_file(RequireShared("data/debian-photos/images/aloeL.jpg"), one / "zz-aloe.jpg");
  auto unknown = RunCommand(IrisBinary() + " models compare tiny no-such-model --images " + one.string() +
                            LocalModels() + " --models-dir " + (dir.path() / "models").string());
  EXPECT_EQ(unknown.exit_code, 1) << unknown.output;
  EXPECT_NE(unknown.output.find("unknown model 'no-such-model'"), std::string::npos) << unknown.output;
  auto missing = RunCommand(IrisBinary() + " models compare tiny clip-vit-b-32-int8 --images " + one.string() +
                            LocalModels() + " --models-dir " + (dir.path() / "models").string());
  EXPECT_EQ(missing.exit_code, 1) << missing.output;
  EXPECT_NE(missing.output.find("iris models pull clip-vit-b-32-int8"), std::string::npos) << missing.output;
  {
    std::ofstream bad(one / "zzz-broken.jpg");
    bad << "not a jpeg";
  }
  auto broken = RunCommand(IrisBinary() + " models compare tiny tiny8 --images " + one.string() + LocalModels());
  EXPECT_EQ(broken.exit_code, 1) << broken.output;
  EXPECT_NE(broken.output.find("zzz-broken.jpg"), std::string::npos) << broken.output;
  auto no_images = RunCommand(IrisBinary() + " models compare tiny tiny8" + LocalModels());
  EXPECT_EQ(no_images.exit_code, 2) << no_images.output;
}

}  // namespace
}  // namespace iris::testing
