// End-to-end: the analysis operations that depend on something outside the image -- describe_image
// (a fake OpenAI-compatible provider speaking the real protocol) and classify (classifier files in
// the classifiers directory, as `iris train-classifier` writes them).
#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>

#include "analysis_server.h"
#include "image/test_images.h"
#include "support/fake_chat_server.h"

namespace iris::testing {
namespace {

nlohmann::json Task(const std::string& id, const std::string& type, nlohmann::json params = nlohmann::json::object()) {
  return {{"operation_id", id}, {"type", type}, {"params", params}};
}

std::string Photo(const std::string& relative) { return ReadFileBytes(RequireShared("data/" + relative)); }

nlohmann::json Results(httplib::Client& client, const std::string& bytes, const std::vector<nlohmann::json>& tasks) {
  auto res = AnalyzeUpload(client, bytes, "photo.jpg", tasks);
  if (!res || res->status != 200) throw std::runtime_error(res ? res->body : "no reply");
  return ParseJson(res->body)["results"];
}

TEST(DescribeImageE2eTest, CaptionsComeFromTheConfiguredProviderWithRetries) {
  FakeChatServer provider;
  provider.set_expected_api_key("sk-test-secret-123");
  TempDir classifiers;
  auto server = StartAnalysisServer(classifiers.path(),
                                    {"--captions-url", provider.base_url(), "--captions-model", "fake-vision-1",
                                     "--captions-backoff-initial-ms", "10", "--captions-backoff-max-ms", "200",
                                     "--captions-max-retries", "2"},
                                    {{"IRIS_CAPTIONS_API_KEY", "sk-test-secret-123"}});
  auto client = server->Client();
  const std::string portrait = Photo("faces-identity/images/obama_1.jpg");

  // Whole image, the seed's default max_length.
  auto r = Results(*client, portrait, {Task("caption", "describe_image")});
  ASSERT_EQ(r["caption"]["status"], "success") << r["caption"];
  EXPECT_NE(r["caption"]["data"].get<std::string>().find("820x1024"), std::string::npos) << r["caption"]["data"];
  EXPECT_TRUE(r["caption"]["cropped_image_bbox"].is_null());
  auto requests = provider.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].model, "fake-vision-1");
  EXPECT_EQ(requests[0].max_tokens, 50);
  EXPECT_EQ(requests[0].image_format, "JPEG");
  EXPECT_EQ(requests[0].authorization, "Bearer sk-test-secret-123");

  // The face crop is what is sent; max_length becomes max_tokens.
  r = Results(*client, portrait,
              {Task("face", "describe_image", {{"target", "prominent_face"}, {"max_length", 3}}),
               Task("box", "detect_bounding_box", {{"target", "prominent_face"}})});
  ASSERT_EQ(r["face"]["status"], "success") << r["face"];
  requests = provider.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].max_tokens, 3);
  const auto& box = r["box"]["data"];
  EXPECT_EQ(r["face"]["cropped_image_bbox"], box);
  EXPECT_EQ(requests[1].image_width, box[2].get<int>() - box[0].get<int>());
  EXPECT_EQ(requests[1].image_height, box[3].get<int>() - box[1].get<int>());

  // The same request again is answered from the result cache: the provider is not called.
  Results(*client, portrait, {Task("caption", "describe_image")});
  EXPECT_EQ(provider.requests().size(), 2u);

  // 429 with Retry-After, then success; 500 on every attempt is the task's error, not the request's.
  const std::string other = Photo("faces-identity/images/biden_1.jpg");
  provider.Enqueue(FakeChatBehaviour::Status(429, "0"));
  r = Results(*client, other, {Task("retried", "describe_image")});
  EXPECT_EQ(r["retried"]["status"], "success") << r["retried"];
  for (int i = 0; i < 3; ++i) provider.Enqueue(FakeChatBehaviour::Status(500));
  r = Results(*client, other, {Task("down", "describe_image", {{"max_length", 20}}), Task("hash", "image_hash")});
  EXPECT_EQ(r["down"]["status"], "error");
  EXPECT_NE(r["down"]["error_message"].get<std::string>().find("500"), std::string::npos) << r["down"];
  EXPECT_EQ(r["hash"]["status"], "success");
  // A malformed provider reply is an error too.
  provider.Enqueue(FakeChatBehaviour::MalformedJson());
  r = Results(*client, other, {Task("garbled", "describe_image", {{"max_length", 21}})});
  EXPECT_EQ(r["garbled"]["status"], "error");

  // The key never reaches the logs.
  EXPECT_EQ(server->Logs().find("sk-test-secret-123"), std::string::npos);
}

TEST(DescribeImageE2eTest, WithoutAProviderTheTaskSaysHowToConfigureOne) {
  TempDir classifiers;
  auto server = StartAnalysisServer(classifiers.path());
  auto client = server->Client();
  auto r = Results(*client, Photo("faces-identity/images/obama_2.jpg"), {Task("caption", "describe_image")});
  EXPECT_EQ(r["caption"]["status"], "error");
  EXPECT_NE(r["caption"]["error_message"].get<std::string>().find("set captions.url (IRIS_CAPTIONS_URL)"),
            std::string::npos);
}

// A classifier file over the colour stand-in's embedding: dimension 0 is "red".
void WriteClassifier(const std::filesystem::path& dir, const std::string& id, const std::string& model, int dim,
                     double red_weight, double bias) {
  const std::string version = "20261124T040000Z";
  std::vector<double> weights(dim, 0.0);
  weights[0] = red_weight;
  nlohmann::json file = {{"format", "iris.classifier.v1"},
                         {"collection_id", id},
                         {"version", version},
                         {"embedding_model", model},
                         {"embedding_dim", dim},
                         {"normalized_embeddings", true},
                         {"weights", weights},
                         {"bias", bias},
                         {"threshold", 0.5},
                         {"training", {{"samples", 10}, {"positives", 5}, {"C", 1.0}, {"class_weight", "balanced"}}},
                         {"metrics",
                          {{"macro_precision", 1.0}, {"macro_recall", 1.0}, {"accuracy", 1.0}, {"test_samples", 2}}}};
  const std::string rel = "collection_" + id + "/classifier_" + version + ".json";
  std::filesystem::create_directories(dir / ("collection_" + id));
  std::ofstream(dir / rel) << file.dump();
  nlohmann::json index = nlohmann::json::object();
  if (std::filesystem::exists(dir / "best_models.json")) {
    std::ifstream in(dir / "best_models.json");
    index = nlohmann::json::parse(in);
  }
  index[id] = {{"file", rel}, {"version", version}, {"macro_precision", 1.0}, {"macro_recall", 1.0},
               {"test_samples", 2}};
  std::ofstream(dir / "best_models.json") << index.dump();
}

TEST(ClassifyE2eTest, ClassifiersDecideOnTheRequestedRegion) {
  TempDir classifiers;
  WriteClassifier(classifiers.path(), "42", "colors", 512, 20.0, -5.0);
  WriteClassifier(classifiers.path(), "narrow", "colors", 256, 1.0, 0.0);
  WriteClassifier(classifiers.path(), "real_clip", "clip-vit-b-32", 512, 1.0, 0.0);
  auto server = StartAnalysisServer(classifiers.path());
  auto client = server->Client();

  auto red = Results(*client, SolidJpeg(220, 20, 30),
                     {Task("int_id", "classify", {{"collection_id", 42}}),
                      Task("string_id", "classify", {{"collection_id", "42"}})});
  for (const char* id : {"int_id", "string_id"}) {
    ASSERT_EQ(red[id]["status"], "success") << red[id];
    EXPECT_EQ(red[id]["data"]["is_in_collection"], true);
    EXPECT_GT(red[id]["data"]["probability"].get<double>(), 0.99);
    EXPECT_TRUE(red[id]["cropped_image_bbox"].is_null());
  }
  auto blue = Results(*client, SolidJpeg(20, 40, 210), {Task("c", "classify", {{"collection_id", 42}})});
  EXPECT_EQ(blue["c"]["data"]["is_in_collection"], false);
  EXPECT_LT(blue["c"]["data"]["probability"].get<double>(), 0.01);

  // The target is honoured: the face crop is what gets classified.
  auto face = Results(*client, Photo("faces-identity/images/obama_1.jpg"),
                      {Task("c", "classify", {{"collection_id", 42}, {"target", "prominent_face"}})});
  ASSERT_EQ(face["c"]["status"], "success") << face["c"];
  EXPECT_EQ(face["c"]["cropped_image_bbox"].size(), 4u);

  auto errors = Results(*client, SolidJpeg(220, 20, 30),
                        {Task("missing", "classify", {{"collection_id", 7}}),
                         Task("no_id", "classify"),
                         Task("traversal", "classify", {{"collection_id", "../../etc"}}),
                         Task("dim", "classify", {{"collection_id", "narrow"}}),
                         Task("model", "classify", {{"collection_id", "real_clip"}})});
  EXPECT_EQ(errors["missing"]["status"], "skipped");
  EXPECT_NE(errors["missing"]["error_message"].get<std::string>().find("no classifier for collection '7'"),
            std::string::npos);
  EXPECT_EQ(errors["no_id"]["status"], "error");
  EXPECT_NE(errors["no_id"]["error_message"].get<std::string>().find("'collection_id' is required"),
            std::string::npos);
  EXPECT_EQ(errors["traversal"]["status"], "error");
  EXPECT_EQ(errors["dim"]["status"], "error");
  EXPECT_NE(errors["dim"]["error_message"].get<std::string>().find("256"), std::string::npos) << errors["dim"];
  EXPECT_EQ(errors["model"]["status"], "error");
  EXPECT_NE(errors["model"]["error_message"].get<std::string>().find("iris models pull clip-vit-b-32"),
            std::string::npos);

  // New training is picked up without a restart.
  WriteClassifier(classifiers.path(), "7", "colors", 512, -20.0, 5.0);
  auto later = Results(*client, SolidJpeg(20, 40, 210), {Task("c", "classify", {{"collection_id", 7}})});
  EXPECT_EQ(later["c"]["status"], "success") << later["c"];
  EXPECT_EQ(later["c"]["data"]["is_in_collection"], true);
}

}  // namespace
}  // namespace iris::testing
