#include "runtime/onnx_session.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>
#include <thread>

#include "support/shared_data.h"
#include "support/temp_dir.h"

namespace iris {
namespace {

using testing::RequireShared;

RuntimeConfig CpuConfig() {
  RuntimeConfig config;
  config.device = "cpu";
  config.intra_op_threads = 1;
  return config;
}

std::filesystem::path VisionModel() { return RequireShared("models/clip-standin-tiny/vision_model.onnx"); }
std::filesystem::path TextModel() { return RequireShared("models/clip-standin-tiny/text_model.onnx"); }
std::filesystem::path YoloxModel() { return RequireShared("models/detector-yolox-nano/yolox_nano.onnx"); }

Tensor RandomImages(int count, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> values(static_cast<std::size_t>(count) * 3 * 224 * 224);
  for (float& v : values) v = normal(rng);
  return *Tensor::FromFloats({count, 3, 224, 224}, values);
}

std::unique_ptr<OnnxSession> MustLoad(const std::filesystem::path& path, const RuntimeConfig& config = CpuConfig()) {
  Result<std::unique_ptr<OnnxSession>> session = OnnxSession::Load(path, config);
  if (!session.ok()) throw std::runtime_error(session.status().ToString());
  return std::move(session).value();
}

ModelIoSpec VisionSpec() {
  return {{{"pixel_values", ElementType::kFloat32, {-1, 3, 224, 224}}},
          {{"image_embeds", ElementType::kFloat32, {-1, 512}}}};
}

float MaxAbsDiff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  float worst = 0;
  auto va = a.values<float>(), vb = b.values<float>();
  for (std::size_t i = 0; i < va.size() && i < vb.size(); ++i) worst = std::max(worst, std::abs(va[i] - vb[i]));
  return worst;
}

TEST(OnnxSessionTest, ReadsVisionStandinIo) {
  auto session = MustLoad(VisionModel());
  ASSERT_EQ(session->io().inputs.size(), 1u);
  ASSERT_EQ(session->io().outputs.size(), 1u);
  EXPECT_EQ(DescribeSpec(session->io().inputs[0]), "pixel_values float32[-1,3,224,224]");
  EXPECT_EQ(DescribeSpec(session->io().outputs[0]), "image_embeds float32[-1,512]");
  EXPECT_EQ(session->provider(), "CPUExecutionProvider");
  EXPECT_EQ(FixedBatchSize(session->io()), std::nullopt);
}

TEST(OnnxSessionTest, ReadsTextStandinIo) {
  auto session = MustLoad(TextModel());
  ASSERT_EQ(session->io().inputs.size(), 2u);
  EXPECT_EQ(DescribeSpec(session->io().inputs[0]), "input_ids int64[-1,-1]");
  EXPECT_EQ(DescribeSpec(session->io().inputs[1]), "attention_mask int64[-1,-1]");
  ASSERT_EQ(session->io().outputs.size(), 1u);
  EXPECT_EQ(DescribeSpec(session->io().outputs[0]), "text_embeds float32[-1,512]");
}

TEST(OnnxSessionTest, ReadsYoloxIoAndRuns) {
  auto session = MustLoad(YoloxModel());
  ASSERT_EQ(session->io().inputs.size(), 1u);
  EXPECT_EQ(DescribeSpec(session->io().inputs[0]), "images float32[1,3,416,416]");
  EXPECT_EQ(DescribeSpec(session->io().outputs[0]), "output float32[1,3549,85]");
  EXPECT_EQ(FixedBatchSize(session->io()), 1);
  std::vector<float> grey(3 * 416 * 416, 114.0f);
  Result<std::vector<Tensor>> out = session->Run({*Tensor::FromFloats({1, 3, 416, 416}, grey)});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ(out->at(0).shape(), (std::vector<std::int64_t>{1, 3549, 85}));
  // Objectness and class scores are sigmoids.
  auto values = out->at(0).values<float>();
  for (std::size_t anchor = 0; anchor < 3549; ++anchor) {
    float obj = values[anchor * 85 + 4];
    ASSERT_TRUE(obj >= 0.0f && obj <= 1.0f) << obj;
  }
}

TEST(OnnxSessionTest, MatchingExpectedSpecIsAcceptedAndOrdersInputs) {
  ModelIoSpec expected{
      {{"attention_mask", ElementType::kInt64, {-1, -1}}, {"input_ids", ElementType::kInt64, {-1, -1}}},
      {{"text_embeds", ElementType::kFloat32, {-1, 512}}}};
  Result<std::unique_ptr<OnnxSession>> session = OnnxSession::Load(TextModel(), CpuConfig(), expected);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  EXPECT_EQ((*session)->io().inputs[0].name, "attention_mask");
  EXPECT_EQ((*session)->io().inputs[1].name, "input_ids");
  // An expected -1 accepts YOLOX's fixed batch of 1.
  ModelIoSpec yolox{{{"images", ElementType::kFloat32, {-1, 3, 416, 416}}},
                    {{"output", ElementType::kFloat32, {-1, -1, 85}}}};
  EXPECT_TRUE(OnnxSession::Load(YoloxModel(), CpuConfig(), yolox).ok());
}

Status LoadStatus(const std::filesystem::path& path, const ModelIoSpec& expected) {
  Result<std::unique_ptr<OnnxSession>> session = OnnxSession::Load(path, CpuConfig(), expected);
  return session.ok() ? Status::Ok() : session.status();
}

void ExpectRefused(const Status& status, const std::vector<std::string>& words) {
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  for (const std::string& word : words) {
    EXPECT_NE(status.message().find(word), std::string::npos) << "'" << word << "' not in: " << status.message();
  }
}

TEST(OnnxSessionTest, ExpectedSpecWithWrongNameIsRefused) {
  ModelIoSpec spec = VisionSpec();
  spec.inputs[0].name = "pixels";
  ExpectRefused(LoadStatus(VisionModel(), spec), {"no input named 'pixels'", "pixel_values"});
  spec = VisionSpec();
  spec.outputs[0].name = "embeddings";
  ExpectRefused(LoadStatus(VisionModel(), spec), {"no output named 'embeddings'", "image_embeds"});
}

TEST(OnnxSessionTest, ExpectedSpecWithWrongRankIsRefused) {
  ModelIoSpec spec = VisionSpec();
  spec.inputs[0].shape = {-1, 3, 224};
  ExpectRefused(LoadStatus(VisionModel(), spec), {"'pixel_values'", "rank 4", "expected rank 3"});
}

TEST(OnnxSessionTest, ExpectedSpecWithWrongFixedDimIsRefused) {
  ModelIoSpec spec = VisionSpec();
  spec.inputs[0].shape = {-1, 3, 256, 256};
  ExpectRefused(LoadStatus(VisionModel(), spec), {"'pixel_values'", "dim 2 is 224, expected 256"});
  spec = VisionSpec();
  spec.outputs[0].shape = {-1, 768};
  ExpectRefused(LoadStatus(VisionModel(), spec), {"'image_embeds'", "dim 1 is 512, expected 768"});
}

TEST(OnnxSessionTest, ExpectedSpecWithWrongTypeIsRefused) {
  ModelIoSpec spec = VisionSpec();
  spec.inputs[0].type = ElementType::kUint8;
  ExpectRefused(LoadStatus(VisionModel(), spec), {"'pixel_values'", "is float32, expected uint8"});
}

TEST(OnnxSessionTest, ExpectedSpecMissingAModelInputIsRefused) {
  ModelIoSpec spec{{{"input_ids", ElementType::kInt64, {-1, -1}}}, {{"text_embeds", ElementType::kFloat32, {-1, 512}}}};
  ExpectRefused(LoadStatus(TextModel(), spec), {"'attention_mask'", "not expected"});
}

TEST(OnnxSessionTest, RunRejectsWrongShapeTypeAndCount) {
  auto session = MustLoad(VisionModel());
  Result<std::vector<Tensor>> wrong_shape = session->Run({*Tensor::Zeros(ElementType::kFloat32, {1, 3, 224, 100})});
  ASSERT_FALSE(wrong_shape.ok());
  EXPECT_EQ(wrong_shape.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(wrong_shape.status().message().find("'pixel_values'"), std::string::npos);
  EXPECT_NE(wrong_shape.status().message().find("float32[1,3,224,100]"), std::string::npos);

  Result<std::vector<Tensor>> wrong_type = session->Run({*Tensor::Zeros(ElementType::kUint8, {1, 3, 224, 224})});
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_EQ(wrong_type.status().code(), StatusCode::kInvalidArgument);

  Result<std::vector<Tensor>> wrong_rank = session->Run({*Tensor::Zeros(ElementType::kFloat32, {3, 224, 224})});
  EXPECT_FALSE(wrong_rank.ok());

  Result<std::vector<Tensor>> no_inputs = session->Run({});
  ASSERT_FALSE(no_inputs.ok());
  EXPECT_NE(no_inputs.status().message().find("takes 1 inputs"), std::string::npos);
}

TEST(OnnxSessionTest, OrtRuntimeErrorBecomesStatus) {
  // Shapes pass our checks (both dims dynamic) but disagree with each other inside the graph.
  auto session = MustLoad(TextModel());
  std::vector<std::int64_t> ids = {49406, 320, 49407}, mask = {1, 1, 1, 1, 1};
  Result<std::vector<Tensor>> out = session->Run({*Tensor::FromInt64s({1, 3}, ids), *Tensor::FromInt64s({1, 5}, mask)});
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("failed to run"), std::string::npos) << out.status().message();
}

TEST(OnnxSessionTest, MissingFileIsNotFound) {
  testing::TempDir dir;
  Result<std::unique_ptr<OnnxSession>> session = OnnxSession::Load(dir.path() / "absent.onnx", CpuConfig());
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.status().code(), StatusCode::kNotFound);
  EXPECT_NE(session.status().message().find("absent.onnx"), std::string::npos);
}

TEST(OnnxSessionTest, CorruptFileIsAClearError) {
  testing::TempDir dir;
  const std::filesystem::path path = dir.path() / "garbage.onnx";
  {
    std::ofstream out(path, std::ios::binary);
    std::mt19937 rng(7);
    for (int i = 0; i < 4096; ++i) out.put(static_cast<char>(rng() & 0xff));
  }
  Result<std::unique_ptr<OnnxSession>> session = OnnxSession::Load(path, CpuConfig());
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(session.status().message().find("cannot load ONNX model"), std::string::npos);
  EXPECT_NE(session.status().message().find("garbage.onnx"), std::string::npos);
}

TEST(OnnxSessionTest, CudaDeviceFallsBackToCpuHere) {
  RuntimeConfig config = CpuConfig();
  config.device = "cuda";
  auto session = MustLoad(VisionModel(), config);
  EXPECT_EQ(session->provider(), "CPUExecutionProvider");
  EXPECT_NE(session->provider_fallback_reason().find("CUDA"), std::string::npos);
  EXPECT_TRUE(session->Run({RandomImages(1, 1)}).ok());
}

TEST(OnnxSessionTest, RequireGpuFailsHere) {
  RuntimeConfig config = CpuConfig();
  config.device = "auto";
  config.require_gpu = 1;
  Result<std::unique_ptr<OnnxSession>> session = OnnxSession::Load(VisionModel(), config);
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(session.status().message().rfind("IRIS_REQUIRE_GPU=1 but no GPU provider: ", 0), 0u)
      << session.status().message();
}

TEST(OnnxSessionTest, SameInputGivesIdenticalOutput) {
  auto session = MustLoad(VisionModel());
  Tensor images = RandomImages(2, 42);
  Result<std::vector<Tensor>> first = session->Run({images});
  Result<std::vector<Tensor>> second = session->Run({images});
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->at(0).shape(), (std::vector<std::int64_t>{2, 512}));
  EXPECT_TRUE(first->at(0) == second->at(0));
  // And different inputs give different embeddings (the model is not constant).
  Result<std::vector<Tensor>> other = session->Run({RandomImages(2, 43)});
  ASSERT_TRUE(other.ok());
  EXPECT_GT(MaxAbsDiff(first->at(0), other->at(0)), 1e-3f);
}

TEST(OnnxSessionTest, BatchRowsMatchSingleRuns) {
  auto session = MustLoad(VisionModel());
  Tensor images = RandomImages(3, 5);
  Result<std::vector<Tensor>> batched = session->Run({images});
  ASSERT_TRUE(batched.ok());
  for (int i = 0; i < 3; ++i) {
    Result<std::vector<Tensor>> alone = session->Run({*images.Item(i)});
    ASSERT_TRUE(alone.ok());
    EXPECT_LT(MaxAbsDiff(alone->at(0), *batched->at(0).Item(i)), 1e-4f) << "row " << i;
  }
}

TEST(OnnxSessionTest, ConcurrentRunsShareOneSession) {
  RuntimeConfig config = CpuConfig();
  config.cpu_mem_arena = 0;  // also exercises the arena-off option
  auto session = MustLoad(VisionModel(), config);
  std::vector<Tensor> inputs, expected;
  for (int i = 0; i < 4; ++i) {
    inputs.push_back(RandomImages(1, 100 + i));
    expected.push_back(session->Run({inputs.back()})->at(0));
  }
  std::vector<Result<std::vector<Tensor>>> results(4, Internal("not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      for (int repeat = 0; repeat < 3; ++repeat) results[i] = session->Run({inputs[i]});
    });
  }
  for (std::thread& t : threads) t.join();
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(results[i].ok()) << results[i].status().ToString();
    EXPECT_TRUE(results[i]->at(0) == expected[i]) << i;
  }
}

}  // namespace
}  // namespace iris
