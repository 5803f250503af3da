#include "classify/classifier_file.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/temp_dir.h"

namespace iris {
namespace {

Classifier Sample(int dim = 4) {
  Classifier c;
  c.collection_id = "42";
  c.version = "20261124T031500Z";
  c.embedding_model = "clip-vit-b-32";
  for (int i = 0; i < dim; ++i) c.model.weights.push_back(0.25 * (i + 1) * (i % 2 ? -1 : 1) + 1e-17 * i);
  c.model.bias = -0.123456789012345;
  c.training = {100, 12, 1.0, "balanced"};
  c.metrics = {0.91, 0.88, 0.93, 20};
  return c;
}

nlohmann::json SampleJson() { return nlohmann::json::parse(ClassifierToJson(Sample())); }

TEST(ClassifierFileTest, RoundTripsExactly) {
  const Classifier c = Sample(512);
  auto parsed = ParseClassifierJson(ClassifierToJson(c));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->collection_id, "42");
  EXPECT_EQ(parsed->version, c.version);
  EXPECT_EQ(parsed->embedding_model, "clip-vit-b-32");
  EXPECT_EQ(parsed->embedding_dim(), 512);
  EXPECT_EQ(parsed->model.weights, c.model.weights);  // bit-exact doubles
  EXPECT_EQ(parsed->model.bias, c.model.bias);
  EXPECT_EQ(parsed->threshold, 0.5);
  EXPECT_EQ(parsed->training.samples, 100);
  EXPECT_EQ(parsed->training.positives, 12);
  EXPECT_EQ(parsed->training.class_weight, "balanced");
  EXPECT_EQ(parsed->metrics.macro_precision, 0.91);
  EXPECT_EQ(parsed->metrics.test_samples, 20);
}

TEST(ClassifierFileTest, WritesTheDocumentedFields) {
  const auto j = SampleJson();
  EXPECT_EQ(j["format"], "iris.classifier.v1");
  EXPECT_EQ(j["embedding_dim"], 4);
  EXPECT_EQ(j["normalized_embeddings"], true);
  EXPECT_EQ(j["weights"].size(), 4u);
  EXPECT_EQ(j["training"]["C"], 1.0);
  for (const char* k : {"macro_precision", "macro_recall", "accuracy", "test_samples"}) {
    EXPECT_TRUE(j["metrics"].contains(k)) << k;
  }
}

// Each mutation of a valid file must be refused with InvalidArgument naming the problem.
TEST(ClassifierFileTest, ParsesStrictly) {
  struct Case {
    std::string what;
    std::function<void(nlohmann::json&)> mutate;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"other format", [](auto& j) { j["format"] = "sklearn.pickle"; }, "expected 'iris.classifier.v1'"},
      {"no format", [](auto& j) { j.erase("format"); }, "\"format\" is missing"},
      {"dimension mismatch", [](auto& j) { j["embedding_dim"] = 512; }, "has 4 values but embedding_dim is 512"},
      {"null weight (NaN written by a careless writer)", [](auto& j) { j["weights"][2] = nullptr; }, "finite numbers"},
      {"string weight", [](auto& j) { j["weights"][0] = "0.1"; }, "finite numbers"},
      {"bias missing", [](auto& j) { j.erase("bias"); }, "\"bias\" is missing"},
      {"path traversal id", [](auto& j) { j["collection_id"] = "../etc"; }, "letters, digits"},
      {"integer id", [](auto& j) { j["collection_id"] = 42; }, "must be a string"},
      {"bad version", [](auto& j) { j["version"] = "yesterday"; }, "20261124T031500Z"},
      {"threshold 1", [](auto& j) { j["threshold"] = 1.0; }, "threshold"},
      {"precision > 1", [](auto& j) { j["metrics"]["macro_precision"] = 1.5; }, "metrics.macro_precision"},
      {"negative samples", [](auto& j) { j["training"]["samples"] = -1; }, "training.samples"},
      {"odd class weight", [](auto& j) { j["training"]["class_weight"] = "auto"; }, "training.class_weight"},
      {"normalized as string", [](auto& j) { j["normalized_embeddings"] = "yes"; }, "normalized_embeddings"},
  };
  for (const auto& c : cases) {
    auto j = SampleJson();
    c.mutate(j);
    auto parsed = ParseClassifierJson(j.dump());
    ASSERT_FALSE(parsed.ok()) << c.what;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << c.what;
    EXPECT_NE(parsed.status().message().find(c.expected), std::string::npos)
        << c.what << ": " << parsed.status().message();
  }
  // Literal NaN / Infinity are not JSON; 1e999 overflows to infinity.
  std::string text = SampleJson().dump();
  std::string nan_text = text;
  nan_text.replace(nan_text.find("\"bias\":") + 7, 1, "NaN,\"x\":-");
  EXPECT_EQ(ParseClassifierJson(nan_text).status().code(), StatusCode::kInvalidArgument);
  auto j = SampleJson();
  j["weights"][0] = 0.5;
  text = j.dump();
  text.replace(text.find("[0.5"), 4, "[1e999");
  auto inf = ParseClassifierJson(text);
  EXPECT_EQ(inf.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseClassifierJson("not json").status().code(), StatusCode::kInvalidArgument);
  // Unknown keys are ignored.
  j = SampleJson();
  j["trained_by"] = "someone";
  EXPECT_TRUE(ParseClassifierJson(j.dump()).ok());
}

TEST(ClassifierFileTest, PredictIsTheLogisticOfTheNormalisedEmbedding) {
  Classifier c = Sample();
  c.model.weights = {2.0, -1.0, 0.0, 0.5};
  c.model.bias = 0.25;
  // (3, 0, 0, 4) normalises to (0.6, 0, 0, 0.8): z = 1.2 + 0.4 + 0.25 = 1.85.
  const std::vector<float> e = {3, 0, 0, 4};
  auto p = c.Predict(e, "clip-vit-b-32");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_NEAR(p->probability, 1.0 / (1.0 + std::exp(-1.85)), 1e-12);
  EXPECT_TRUE(p->is_in_collection);
  const std::vector<float> against = {-3, 0, 0, 0};  // z = -2 + 0.25
  auto q = c.Predict(against, "clip-vit-b-32");
  ASSERT_TRUE(q.ok());
  EXPECT_FALSE(q->is_in_collection);
  EXPECT_NEAR(q->probability, 1.0 / (1.0 + std::exp(1.75)), 1e-12);
  c.normalized_embeddings = false;  // raw: z = 6 + 2 + 0.25
  EXPECT_NEAR(c.Predict(e, "clip-vit-b-32")->probability, 1.0 / (1.0 + std::exp(-8.25)), 1e-12);
}

TEST(ClassifierFileTest, PredictRefusesAnotherModelOrDimensionNamingBoth) {
  const Classifier c = Sample();
  const std::vector<float> four = {1, 0, 0, 0}, five = {1, 0, 0, 0, 0};
  auto model = c.Predict(four, "dinov2-small");
  EXPECT_EQ(model.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(model.status().message().find("'clip-vit-b-32'"), std::string::npos) << model.status().message();
  EXPECT_NE(model.status().message().find("'dinov2-small'"), std::string::npos) << model.status().message();
  auto dim = c.Predict(five, "clip-vit-b-32");
  EXPECT_EQ(dim.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(dim.status().message().find("expects 4-dimensional"), std::string::npos) << dim.status().message();
  EXPECT_NE(dim.status().message().find("has 5 values"), std::string::npos) << dim.status().message();
  const std::vector<float> nan = {NAN, 0, 0, 0};
  EXPECT_EQ(c.Predict(nan, "clip-vit-b-32").status().code(), StatusCode::kInvalidArgument);
}

TEST(ClassifierFileTest, CollectionIdsAndVersions) {
  for (const char* ok :
       {"42", "summer-sale_2026", "A", "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij1234"}) {
    EXPECT_TRUE(ValidateCollectionId(ok).ok()) << ok;
  }
  for (const char* bad : {"", "..", "../x", "a/b", "a b", "x.json", "ü",
                          "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij12345"}) {
    EXPECT_EQ(ValidateCollectionId(bad).code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(IsValidClassifierVersion("20261124T031500Z"));
  EXPECT_FALSE(IsValidClassifierVersion("20261124T0315Z"));
  EXPECT_FALSE(IsValidClassifierVersion("2026112xT031500Z"));
  // 2026-11-24 03:15:00 UTC = 1795490100 s since the epoch.
  EXPECT_EQ(ClassifierVersionAt(std::chrono::system_clock::time_point(std::chrono::seconds(1795490100))),
            "20261124T031500Z");
}

TEST(ClassifierFileTest, ReadsFilesAndNamesThePathInErrors) {
  testing::TempDir dir;
  const auto good = dir.path() / "good.json";
  std::ofstream(good) << ClassifierToJson(Sample());
  EXPECT_TRUE(ReadClassifierFile(good).ok());
  const auto bad = dir.path() / "bad.json";
  std::ofstream(bad) << "{\"format\": \"iris.classifier.v0\"}";
  auto r = ReadClassifierFile(bad);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("bad.json"), std::string::npos);
  EXPECT_EQ(ReadClassifierFile(dir.path() / "missing.json").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace iris
