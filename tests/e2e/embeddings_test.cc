// End-to-end: CLIP routes of the real `iris serve` with the stand-in exports from ../shared/models.
// clip-standin-colors has known answers (it "sees" colours); the catalog path is exercised by
// pulling a stand-in from the shared folder as the model mirror. The tests parameterised by variant
// run once with the fp32 stand-ins and once with their int8 twins (support/int8_standins.h).
#include <gtest/gtest.h>
#include <httplib.h>

#include <cmath>
#include <future>

#include "e2e_http.h"
#include "image/test_images.h"
#include "support/int8_standins.h"

namespace iris::testing {
namespace {

std::unique_ptr<ServerProcess> StartWithStandIns(std::vector<std::string> extra = {},
                                                 const std::string& variant = "fp32") {
  std::vector<std::string> args = {
      "--local-models",
      "colors=" + StandInFolder("colors", variant).string() + ",tiny=" + StandInFolder("tiny", variant).string(),
      "--default-clip-model",
      "colors",
      "--preload-models",
      "colors"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto server = ServerProcess::Start(ServeWith(args));
  // /readyz turns 200 once the preloaded model is in.
  auto client = server->Client();
  for (int i = 0; i < 200; ++i) {
    if (auto r = client->Get("/readyz"); r && r->status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return server;
}

httplib::Result ZeroShot(httplib::Client& client, const std::string& jpeg, const nlohmann::json& labels,
                         const std::string& extra_query = "") {
  httplib::MultipartFormDataItems items = {{"file", jpeg, "x.jpg", "image/jpeg"}, {"labels", labels.dump(), "", ""}};
  return client.Post(("/v1/zero-shot" + extra_query).c_str(), items);
}

// fp32 or int8: the same routes, the same known answers.
class EmbeddingsVariantE2eTest : public ::testing::TestWithParam<std::string> {};
INSTANTIATE_TEST_SUITE_P(Variants, EmbeddingsVariantE2eTest, ::testing::Values("fp32", "int8"));

TEST_P(EmbeddingsVariantE2eTest, ZeroShotPicksTheColourThatIsThere) {
  auto server = StartWithStandIns({}, GetParam());
  auto client = server->Client();
  const nlohmann::json labels = {"a red dress", "a blue dress", "a photo"};
  struct Case {
    std::string jpeg;
    std::string expected;
  };
  for (const auto& c : {Case{SolidJpeg(220, 20, 30), "a red dress"}, Case{SolidJpeg(20, 40, 210), "a blue dress"}}) {
    auto res = ZeroShot(*client, c.jpeg, labels);
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    auto body = ParseJson(res->body);
    EXPECT_EQ(body["model"], "colors");
    ASSERT_EQ(body["results"].size(), 3u);
    EXPECT_EQ(body["results"][0]["label"], c.expected) << res->body;
    double sum = 0;
    for (const auto& r : body["results"]) sum += r["probability"].get<double>();
    EXPECT_NEAR(sum, 1.0, 1e-4);
  }
}

TEST_P(EmbeddingsVariantE2eTest, ImageAndTextEmbeddingsAreUnitVectorsUnlessRawIsAsked) {
  auto server = StartWithStandIns({}, GetParam());
  auto client = server->Client();
  const std::string jpeg = SharedPhotoBytes();
  httplib::MultipartFormDataItems items = {{"file", jpeg, "coffee.jpg", "image/jpeg"}};
  for (const std::string query : {"?model=tiny", "?model=tiny&normalize=false"}) {
    auto res = client->Post(("/v1/embeddings/image" + query).c_str(), items);
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    auto body = ParseJson(res->body);
    EXPECT_EQ(body["dim"], 512);
    double norm = 0;
    for (const auto& v : body["embedding"]) norm += v.get<double>() * v.get<double>();
    if (body["normalized"].get<bool>())
      EXPECT_NEAR(norm, 1.0, 1e-4);
    else
      EXPECT_GT(std::abs(norm - 1.0), 1e-3);
  }
  auto text = client->Post("/v1/embeddings/text", R"({"texts": ["a photo of a cat", "a red dress"], "model": "tiny"})",
                           "application/json");
  ASSERT_TRUE(text);
  ASSERT_EQ(text->status, 200) << text->body;
  auto body = ParseJson(text->body);
  ASSERT_EQ(body["embeddings"].size(), 2u);
  EXPECT_EQ(body["embeddings"][0].size(), 512u);
}

TEST_P(EmbeddingsVariantE2eTest, ConcurrentRequestsShareBatchesAndAgreeWithSingleOnes) {
  auto server = StartWithStandIns({"--max-queue-delay-us", "20000"}, GetParam());
  const std::string jpeg = SharedPhotoBytes();
  httplib::MultipartFormDataItems items = {{"file", jpeg, "coffee.jpg", "image/jpeg"}};
  auto single = server->Client()->Post("/v1/embeddings/image?model=tiny", items);
  ASSERT_TRUE(single && single->status == 200);
  auto expected = ParseJson(single->body)["embedding"];
  std::vector<std::future<nlohmann::json>> runs;
  for (int i = 0; i < 6; ++i) {
    runs.push_back(std::async(std::launch::async, [&] {
      auto res = server->Client()->Post("/v1/embeddings/image?model=tiny", items);
      return res && res->status == 200 ? ParseJson(res->body)["embedding"] : nlohmann::json();
    }));
  }
  for (auto& r : runs) {
    auto got = r.get();
    ASSERT_EQ(got.size(), expected.size());
    for (std::size_t k = 0; k < got.size(); ++k) ASSERT_NEAR(got[k].get<double>(), expected[k].get<double>(), 1e-4);
  }
  auto models = ParseJson(server->Client()->Get("/v1/models")->body);
  bool found = false;
  for (const auto& m : models["loaded"]) {
    if (m["name"] == "tiny") {
      found = true;
      EXPECT_LT(m["batches"].get<int>(), m["items"].get<int>()) << "concurrent requests were never batched";
    }
  }
  EXPECT_TRUE(found);
  auto metrics = server->Client()->Get("/metrics")->body;
  EXPECT_NE(metrics.find("iris_model_batches_total{model=\"tiny\"}"), std::string::npos);
}

TEST(EmbeddingsE2eTest, ModelAndParameterErrorsAreClear) {
  iris::testing::TempDir models;
  auto server = StartWithStandIns({"--models-dir", models.path().string()});
  auto client = server->Client();
  const std::string jpeg = SharedPhotoBytes();
  httplib::MultipartFormDataItems items = {{"file", jpeg, "coffee.jpg", "image/jpeg"}};
  auto missing = client->Post("/v1/embeddings/image?model=clip-vit-b-32", items);
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 409) << missing->body;
  EXPECT_NE(missing->body.find("iris models pull clip-vit-b-32"), std::string::npos) << missing->body;
  auto unknown = client->Post("/v1/embeddings/image?model=no-such-model", items);
  EXPECT_EQ(unknown->status, 404) << unknown->body;
  auto detector = client->Post("/v1/embeddings/image?model=yolox-nano", items);
  EXPECT_EQ(detector->status, 409) << detector->body;
  EXPECT_EQ(client->Post("/v1/embeddings/image?normalize=maybe", items)->status, 422);
  EXPECT_EQ(ZeroShot(*client, jpeg, nlohmann::json::array())->status, 422);
  EXPECT_EQ(ZeroShot(*client, jpeg, {"ok", 5})->status, 422);
  EXPECT_EQ(ZeroShot(*client, jpeg, {"red"}, "?prompt_template=no-placeholder")->status, 422);
  nlohmann::json too_many = nlohmann::json::array();
  for (int i = 0; i < 300; ++i) too_many.push_back("label " + std::to_string(i));
  EXPECT_EQ(ZeroShot(*client, jpeg, too_many)->status, 422);
  nlohmann::json long_text = {{"texts", {std::string(20000, 'a')}}};
  EXPECT_EQ(client->Post("/v1/embeddings/text", long_text.dump(), "application/json")->status, 422);
  EXPECT_EQ(client->Post("/v1/embeddings/text", R"({"texts": "not a list"})", "application/json")->status, 422);
  EXPECT_EQ(client->Post("/v1/embeddings/text", R"({"nothing": 1})", "application/json")->status, 422);
  // A 500-word prompt is truncated to CLIP's 77 tokens, not refused.
  std::string words;
  for (int i = 0; i < 500; ++i) words += "word ";
  auto long_prompt = client->Post("/v1/embeddings/text", nlohmann::json({{"text", words}}).dump(), "application/json");
  EXPECT_EQ(long_prompt->status, 200) << long_prompt->body;
}

TEST(EmbeddingsE2eTest, CatalogModelInstalledFromTheMirrorIsServed) {
  iris::testing::TempDir models;
  auto pull = RunCommand(IrisBinary() + " models pull clip-standin-colors --models-dir " + models.path().string() +
                         " --model-mirror " + RequireShared("models").string());
  ASSERT_EQ(pull.exit_code, 0) << pull.output;
  auto server = ServerProcess::Start(
      ServeWith({"--models-dir", models.path().string(), "--default-clip-model", "clip-standin-colors"}));
  auto res = ZeroShot(*server->Client(), SolidJpeg(230, 10, 10), {"a blue dress", "a red dress"});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(ParseJson(res->body)["results"][0]["label"], "a red dress");
}

// `pull NAME --variant int8` installs the sibling entry NAME-int8 (its own folder), `list` shows which
// variants are installed, and a request picks the variant by its name.
TEST(EmbeddingsE2eTest, Int8VariantIsPulledListedAndChosenPerRequest) {
  iris::testing::TempDir models;
  const std::string dirs = " --models-dir " + models.path().string();
  auto fp32 = RunCommand(IrisBinary() + " models pull clip-standin-tiny" + dirs + " --model-mirror " +
                         RequireShared("models").string());
  ASSERT_EQ(fp32.exit_code, 0) << fp32.output;
  const std::string int8_mirror = " --model-mirror " + Int8StandInMirror().string();
  // The int8 stand-ins are made at test time: the catalog has no hash for them.
  auto refused = RunCommand(IrisBinary() + " models pull clip-standin-tiny --variant int8" + dirs + int8_mirror);
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("--allow-unverified"), std::string::npos) << refused.output;
  auto pull = RunCommand(IrisBinary() + " models pull clip-standin-tiny --variant int8 --allow-unverified" + dirs +
                         int8_mirror);
  ASSERT_EQ(pull.exit_code, 0) << pull.output;
  EXPECT_NE(pull.output.find("clip-standin-tiny-int8:"), std::string::npos) << pull.output;
  EXPECT_TRUE(std::filesystem::exists(models.path() / "clip-standin-tiny-int8" / "vision_model.onnx"));
  auto no_such = RunCommand(IrisBinary() + " models pull yunet --variant int8" + dirs);
  EXPECT_EQ(no_such.exit_code, 2) << no_such.output;
  EXPECT_NE(no_such.output.find("model 'yunet' has no variant 'int8'; its variants: fp32 (yunet)"), std::string::npos)
      << no_such.output;

  auto list = RunCommand(IrisBinary() + " models list --json" + dirs);
  ASSERT_EQ(list.exit_code, 0) << list.output;
  std::map<std::string, nlohmann::json> by_name;
  for (const auto& m : ParseJson(list.output.substr(list.output.find('[')))) by_name[m["name"]] = m;
  EXPECT_EQ(by_name["clip-standin-tiny"]["variant"], "fp32");
  EXPECT_EQ(by_name["clip-standin-tiny"]["installed"], true);
  EXPECT_EQ(by_name["clip-standin-tiny-int8"]["variant"], "int8");
  EXPECT_EQ(by_name["clip-standin-tiny-int8"]["variant_of"], "clip-standin-tiny");
  EXPECT_EQ(by_name["clip-standin-tiny-int8"]["installed"], true);
  EXPECT_EQ(by_name["clip-standin-colors-int8"]["installed"], false);
  EXPECT_EQ(by_name["isnet-general-small-int8"]["variant"], "int8");
  auto table = RunCommand(IrisBinary() + " models list" + dirs);
  EXPECT_NE(table.output.find("VARIANT"), std::string::npos) << table.output;

  auto server = ServerProcess::Start(
      ServeWith({"--models-dir", models.path().string(), "--default-clip-model", "clip-standin-tiny"}));
  httplib::MultipartFormDataItems items = {{"file", SharedPhotoBytes(), "coffee.jpg", "image/jpeg"}};
  auto a = server->Client()->Post("/v1/embeddings/image", items);
  auto b = server->Client()->Post("/v1/embeddings/image?model=clip-standin-tiny-int8", items);
  ASSERT_TRUE(a && b);
  ASSERT_EQ(a->status, 200) << a->body;
  ASSERT_EQ(b->status, 200) << b->body;
  EXPECT_EQ(ParseJson(a->body)["model"], "clip-standin-tiny");
  EXPECT_EQ(ParseJson(b->body)["model"], "clip-standin-tiny-int8");
  const auto ea = ParseJson(a->body)["embedding"], eb = ParseJson(b->body)["embedding"];
  ASSERT_EQ(ea.size(), eb.size());
  double dot = 0;
  bool identical = true;
  for (std::size_t k = 0; k < ea.size(); ++k) {
    dot += ea[k].get<double>() * eb[k].get<double>();
    identical = identical && ea[k] == eb[k];
  }
  EXPECT_FALSE(identical) << "the int8 tower gave the fp32 answer: was it quantized?";
  EXPECT_GT(dot, 0.9) << "int8 and fp32 embeddings of one image should be close";
}

}  // namespace
}  // namespace iris::testing

namespace iris::testing {
namespace {

TEST(EmbeddingsE2eTest, ReadinessWaitsForPreloadedModelsAndReportsAMissingOne) {
  iris::testing::TempDir models;
  auto server =
      ServerProcess::Start(ServeWith({"--models-dir", models.path().string(), "--preload-models", "clip-vit-b-32"}));
  auto client = server->Client();
  auto ready = client->Get("/readyz");
  for (int i = 0; i < 100 && !(ready && ready->body.find("not installed") != std::string::npos); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ready = client->Get("/readyz");
  }
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503) << ready->body;
  auto body = ParseJson(ready->body);
  EXPECT_EQ(body["status"], "not_ready");
  EXPECT_NE(body["checks"]["models"].dump().find("iris models pull clip-vit-b-32"), std::string::npos) << ready->body;
  EXPECT_EQ(ParseJson(client->Get("/readyz")->body)["checks"]["storage"]["status"], "ok");
}

}  // namespace
}  // namespace iris::testing
