// End-to-end: the seed's analysis API (/analyze_image/, /analyze_image_upload/,
// /available_operations/) on the real `iris serve`, with the real detectors and face embedder from
// ../shared/models, real photos from ../shared/data and the colour-seeing CLIP stand-in.
#include <gtest/gtest.h>
#include <httplib.h>

#include <cmath>
#include <fstream>

#include "analysis_server.h"
#include "core/base64.h"
#include "image/test_images.h"
#include "local_http_server.h"

namespace iris::testing {
namespace {

std::string Photo(const std::string& relative) { return ReadFileBytes(RequireShared("data/" + relative)); }

nlohmann::json Task(const std::string& id, const std::string& type, nlohmann::json params = nlohmann::json::object()) {
  return {{"operation_id", id}, {"type", type}, {"params", params}};
}

nlohmann::json Results(httplib::Client& client, const std::string& bytes, const std::vector<nlohmann::json>& tasks,
                       const std::string& name = "photo.jpg") {
  auto res = AnalyzeUpload(client, bytes, name, tasks);
  if (!res) throw std::runtime_error("no reply");
  if (res->status != 200) throw std::runtime_error("status " + std::to_string(res->status) + ": " + res->body);
  return ParseJson(res->body)["results"];
}

double Cosine(const nlohmann::json& a, const nlohmann::json& b) {
  double dot = 0, na = 0, nb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    dot += a[i].get<double>() * b[i].get<double>();
    na += a[i].get<double>() * a[i].get<double>();
    nb += b[i].get<double>() * b[i].get<double>();
  }
  return dot / std::sqrt(na * nb);
}

bool Inside(const nlohmann::json& inner, const nlohmann::json& outer, int slack = 2) {
  return inner[0].get<int>() >= outer[0].get<int>() - slack && inner[1].get<int>() >= outer[1].get<int>() - slack &&
         inner[2].get<int>() <= outer[2].get<int>() + slack && inner[3].get<int>() <= outer[3].get<int>() + slack;
}

// Width and height from a PNG's IHDR.
std::pair<int, int> PngSize(const std::string& png) {
  auto be32 = [&](std::size_t at) {
    return (static_cast<unsigned char>(png[at]) << 24) | (static_cast<unsigned char>(png[at + 1]) << 16) |
           (static_cast<unsigned char>(png[at + 2]) << 8) | static_cast<unsigned char>(png[at + 3]);
  };
  if (png.size() < 24 || png.compare(1, 3, "PNG") != 0) return {-1, -1};
  return {static_cast<int>(be32(16)), static_cast<int>(be32(20))};
}

class AnalysisE2eTest : public ::testing::Test {
 protected:
  void SetUp() override { server_ = StartAnalysisServer(classifiers_.path()); }
  TempDir classifiers_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(AnalysisE2eTest, AvailableOperationsAreGeneratedFromTheRegistry) {
  auto client = server_->Client();
  for (const char* path : {"/available_operations/", "/available_operations"}) {
    auto res = client->Get(path);
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200);
    auto ops = ParseJson(res->body)["operations"];
    for (const char* type : {"detect_bounding_box", "detect_objects", "detect_faces", "embed_clip_vit_b_32",
                             "embed_dino_v2", "embed_dino_v3", "embed_resnet50", "embed_face", "classify",
                             "describe_image", "dominant_colors", "image_hash", "image_quality"}) {
      ASSERT_TRUE(ops.contains(type)) << type;
      EXPECT_FALSE(ops[type]["description"].get<std::string>().empty());
    }
    // The seed's documented shapes.
    EXPECT_EQ(ops["detect_bounding_box"]["allowed_targets"], nlohmann::json({"prominent_person", "prominent_face"}));
    EXPECT_EQ(ops["detect_bounding_box"]["default_target"], "prominent_person");
    EXPECT_EQ(ops["embed_clip_vit_b_32"]["allowed_targets"],
              nlohmann::json({"whole_image", "prominent_person", "prominent_face"}));
    EXPECT_EQ(ops["classify"]["default_target"], "whole_image");
    EXPECT_EQ(ops["describe_image"]["parameters"]["max_length"]["default"], 50);
    EXPECT_EQ(ops["classify"]["parameters"]["collection_id"]["required"], true);
    EXPECT_EQ(ops["embed_clip_vit_b_32"]["parameters"]["face_context"]["default"], "prominent_person");
    EXPECT_EQ(ops["detect_bounding_box"]["parameters"]["min_person_score"]["default"], 0.4);
  }
}

// The seed README's first curl example, with a local image server in place of its URL.
TEST_F(AnalysisE2eTest, SeedReadmeUrlExampleWorks) {
  const std::string portrait = Photo("faces-identity/images/obama_1.jpg");
  LocalHttpServer images([&](httplib::Server& s) {
    s.Get("/800px-Official_portrait_of_Barack_Obama.jpg",
          [&](const httplib::Request&, httplib::Response& r) { r.set_content(portrait, "image/jpeg"); });
  });
  const std::string url = images.Url("127.0.0.1", "/800px-Official_portrait_of_Barack_Obama.jpg");
  const nlohmann::json body = {{"image_url", url},
                               {"tasks",
                                {Task("whole_image_embedding", "embed_clip_vit_b_32", {{"target", "whole_image"}}),
                                 Task("person_bbox", "detect_bounding_box", {{"target", "prominent_person"}}),
                                 Task("face_bbox_from_person", "detect_bounding_box",
                                      {{"target", "prominent_face"}, {"face_context", "prominent_person"}}),
                                 Task("face_embedding", "embed_clip_vit_b_32",
                                      {{"target", "prominent_face"}, {"face_context", "prominent_person"}})}}};
  auto client = server_->Client();
  auto res = client->Post("/analyze_image/", body.dump(), "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  auto reply = ParseJson(res->body);
  EXPECT_EQ(reply["image_url"], url);
  auto r = reply["results"];
  ASSERT_EQ(r.size(), 4u);
  for (auto& [id, result] : r.items()) {
    EXPECT_EQ(result["status"], "success") << id << ": " << result.dump().substr(0, 300);
    for (const char* key : {"data", "cropped_image_bbox", "cropped_image_base64", "error_message"}) {
      EXPECT_TRUE(result.contains(key)) << id << " lacks " << key;
    }
  }
  // Whole-image embedding: 512-d unit vector, no crop.
  EXPECT_EQ(r["whole_image_embedding"]["data"].size(), 512u);
  EXPECT_TRUE(r["whole_image_embedding"]["cropped_image_bbox"].is_null());
  // The person covers most of the portrait; the face lies inside the person, in the upper half.
  auto person = r["person_bbox"]["data"];
  auto face = r["face_bbox_from_person"]["data"];
  ASSERT_EQ(person.size(), 4u);
  ASSERT_EQ(face.size(), 4u);
  EXPECT_GT((person[2].get<int>() - person[0].get<int>()) * (person[3].get<int>() - person[1].get<int>()),
            820 * 1024 / 3);
  EXPECT_TRUE(Inside(face, person)) << face << " not in " << person;
  EXPECT_LT(face[3].get<int>(), 1024 / 2 + 50);
  // The face embedding reports the same face box and a PNG of exactly that crop.
  EXPECT_EQ(r["face_embedding"]["cropped_image_bbox"], face);
  auto png = Base64Decode(r["face_embedding"]["cropped_image_base64"].get<std::string>());
  ASSERT_TRUE(png);
  auto [w, h] = PngSize(*png);
  EXPECT_EQ(w, face[2].get<int>() - face[0].get<int>());
  EXPECT_EQ(h, face[3].get<int>() - face[1].get<int>());
  // A crop of the face is a different picture from the whole image.
  EXPECT_LT(Cosine(r["face_embedding"]["data"], r["whole_image_embedding"]["data"]), 0.9999);
}

// The seed README's upload example.
TEST_F(AnalysisE2eTest, SeedReadmeUploadExampleWorks) {
  auto client = server_->Client();
  auto res = AnalyzeUpload(*client, Photo("faces-identity/images/obama_2.jpg"), "some_person.jpg",
                           {Task("face_from_file", "detect_bounding_box", {{"target", "prominent_face"}})});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  auto reply = ParseJson(res->body);
  EXPECT_EQ(reply["image_url"], "uploaded:some_person.jpg");
  EXPECT_EQ(reply["results"]["face_from_file"]["status"], "success");
  EXPECT_EQ(reply["results"]["face_from_file"]["data"].size(), 4u);
}

TEST_F(AnalysisE2eTest, DetectObjectsFindsTheLabelledPersonsAndFilters) {
  auto client = server_->Client();
  // 000000391895: two persons and a motorcycle (coco-tiny/boxes.csv).
  auto r = Results(*client, Photo("coco-tiny/images/000000391895.jpg"),
                   {Task("all", "detect_objects"), Task("people", "detect_objects", {{"classes", {"person"}}}),
                    Task("bad", "detect_objects", {{"classes", {"unicorn"}}})});
  ASSERT_EQ(r["all"]["status"], "success");
  std::set<std::string> labels;
  for (const auto& o : r["all"]["data"]) labels.insert(o["label"]);
  EXPECT_TRUE(labels.count("person"));
  EXPECT_GE(r["all"]["data"].size(), r["people"]["data"].size());
  ASSERT_GE(r["people"]["data"].size(), 1u);
  for (const auto& o : r["people"]["data"]) {
    EXPECT_EQ(o["label"], "person");
    EXPECT_GE(o["score"].get<double>(), 0.3);
  }
  // The labelled rider: x 339.88, y 22.16, w 153.88, h 300.73; the best person box overlaps it.
  const auto& box = r["people"]["data"][0]["box"];
  const double ix = std::max(0.0, std::min(box[2].get<double>(), 493.76) - std::max(box[0].get<double>(), 339.88));
  const double iy = std::max(0.0, std::min(box[3].get<double>(), 322.89) - std::max(box[1].get<double>(), 22.16));
  const double area = (box[2].get<double>() - box[0].get<double>()) * (box[3].get<double>() - box[1].get<double>());
  EXPECT_GE(ix * iy / (area + 153.88 * 300.73 - ix * iy), 0.5) << box;
  EXPECT_EQ(r["bad"]["status"], "error");
  EXPECT_NE(r["bad"]["error_message"].get<std::string>().find("unknown class 'unicorn'"), std::string::npos);
}

TEST_F(AnalysisE2eTest, DetectFacesReturnsEveryFaceWithLandmarks) {
  auto client = server_->Client();
  auto r = Results(*client, Photo("faces-identity/images/group_obama_biden.jpg"),
                   {Task("yunet", "detect_faces"), Task("ultra", "detect_faces", {{"detector", "ultraface-rfb-640"}}),
                    Task("bad", "detect_faces", {{"detector", "mtcnn"}})});
  ASSERT_EQ(r["yunet"]["status"], "success") << r["yunet"];
  ASSERT_GE(r["yunet"]["data"].size(), 2u);
  for (const auto& f : r["yunet"]["data"]) {
    ASSERT_TRUE(f["landmarks"].is_object());
    const auto& lm = f["landmarks"];
    EXPECT_LT(lm["right_eye"][1].get<double>(), lm["right_mouth"][1].get<double>());
    EXPECT_LT(lm["right_eye"][0].get<double>(), lm["left_eye"][0].get<double>());
  }
  ASSERT_EQ(r["ultra"]["status"], "success");
  ASSERT_GE(r["ultra"]["data"].size(), 2u);
  EXPECT_TRUE(r["ultra"]["data"][0]["landmarks"].is_null());
  EXPECT_EQ(r["bad"]["status"], "error");
  EXPECT_NE(r["bad"]["error_message"].get<std::string>().find("allowed: yunet"), std::string::npos);
}

TEST_F(AnalysisE2eTest, FallbacksFollowTheSeed) {
  auto client = server_->Client();
  // A plain colour: no person, no face.
  auto r = Results(
      *client, SolidJpeg(200, 30, 30),
      {Task("bbox", "detect_bounding_box"), Task("face_bbox", "detect_bounding_box", {{"target", "prominent_face"}}),
       Task("person_embedding", "embed_clip_vit_b_32", {{"target", "prominent_person"}}),
       Task("whole", "embed_clip_vit_b_32"),
       Task("face_embedding", "embed_clip_vit_b_32", {{"target", "prominent_face"}}),
       Task("face_vector", "embed_face")});
  EXPECT_EQ(r["bbox"]["status"], "success");
  EXPECT_TRUE(r["bbox"]["data"].is_null());
  EXPECT_TRUE(r["face_bbox"]["data"].is_null());
  // prominent_person falls back to the whole image (no crop reported) ...
  EXPECT_EQ(r["person_embedding"]["status"], "success");
  EXPECT_TRUE(r["person_embedding"]["cropped_image_bbox"].is_null());
  EXPECT_GT(Cosine(r["person_embedding"]["data"], r["whole"]["data"]), 0.9999);
  // ... prominent_face requires a face.
  for (const char* id : {"face_embedding", "face_vector"}) {
    EXPECT_EQ(r[id]["status"], "skipped") << id;
    EXPECT_NE(r[id]["error_message"].get<std::string>().find("no face found"), std::string::npos);
    EXPECT_TRUE(r[id]["data"].is_null());
  }
}

TEST_F(AnalysisE2eTest, FaceContextChoosesWhereTheFaceIsSearched) {
  auto client = server_->Client();
  auto r = Results(
      *client, Photo("faces-identity/images/obama_1.jpg"),
      {Task("person", "detect_bounding_box"), Task("in_person", "detect_bounding_box", {{"target", "prominent_face"}}),
       Task("in_image", "detect_bounding_box", {{"target", "prominent_face"}, {"face_context", "whole_image"}}),
       Task("wrong", "detect_bounding_box", {{"target", "prominent_face"}, {"face_context", "torso"}}),
       Task("bad_target", "detect_bounding_box", {{"target", "whole_image"}})});
  ASSERT_EQ(r["in_person"]["status"], "success");
  ASSERT_EQ(r["in_image"]["status"], "success");
  // The same face either way, within a few pixels.
  for (int i = 0; i < 4; ++i)
    EXPECT_NEAR(r["in_person"]["data"][i].get<int>(), r["in_image"]["data"][i].get<int>(), 12);
  EXPECT_EQ(r["wrong"]["status"], "error");
  EXPECT_NE(r["wrong"]["error_message"].get<std::string>().find("face_context"), std::string::npos);
  EXPECT_EQ(r["bad_target"]["status"], "error");
  EXPECT_NE(r["bad_target"]["error_message"].get<std::string>().find("allowed: prominent_person, prominent_face"),
            std::string::npos);
}

TEST_F(AnalysisE2eTest, FaceEmbeddingsTellPeopleApart) {
  auto client = server_->Client();
  auto embed = [&](const std::string& file) {
    auto r = Results(*client, Photo("faces-identity/images/" + file), {Task("f", "embed_face")});
    EXPECT_EQ(r["f"]["status"], "success") << file << ": " << r["f"].dump().substr(0, 300);
    EXPECT_EQ(r["f"]["data"].size(), 128u);
    auto png = Base64Decode(r["f"]["cropped_image_base64"].get<std::string>());
    EXPECT_TRUE(png && PngSize(*png) == std::make_pair(112, 112)) << "the aligned face is 112x112";
    return r["f"]["data"];
  };
  auto obama1 = embed("obama_1.jpg");
  auto obama2 = embed("obama_2.jpg");
  auto biden = embed("biden_1.jpg");
  EXPECT_GT(Cosine(obama1, obama2), 0.5);
  EXPECT_LT(Cosine(obama1, biden), 0.3);
}

TEST_F(AnalysisE2eTest, ColourFeaturesHashesAndQuality) {
  auto client = server_->Client();
  const std::string photo = Photo("faces-identity/images/obama_1.jpg");
  auto r = Results(*client, SolidJpeg(220, 20, 30),
                   {Task("colors", "dominant_colors", {{"k", 3}}), Task("badk", "dominant_colors", {{"k", 99}}),
                    Task("kind", "dominant_colors", {{"k", "three"}})});
  ASSERT_EQ(r["colors"]["status"], "success");
  EXPECT_EQ(r["colors"]["data"][0]["name"], "red");
  EXPECT_GT(r["colors"]["data"][0]["share"].get<double>(), 0.95);
  EXPECT_EQ(r["badk"]["status"], "error");
  EXPECT_NE(r["badk"]["error_message"].get<std::string>().find("'k' must be within"), std::string::npos);
  EXPECT_NE(r["kind"]["error_message"].get<std::string>().find("must be of type integer"), std::string::npos);

  auto a = Results(*client, photo, {Task("h", "image_hash"), Task("q", "image_quality")});
  // The same photo re-encoded at JPEG quality 40 keeps almost the same pHash.
  if (!StartVips().ok()) FAIL();
  auto reencoded = EncodeWithVips(vips::VImage::new_from_buffer(photo.data(), photo.size(), ""), ".jpg[Q=40]");
  auto b = Results(*client, reencoded, {Task("h", "image_hash")});
  ASSERT_EQ(a["h"]["status"], "success");
  const auto pa = std::stoull(a["h"]["data"]["phash"].get<std::string>(), nullptr, 16);
  const auto pb = std::stoull(b["h"]["data"]["phash"].get<std::string>(), nullptr, 16);
  EXPECT_LE(__builtin_popcountll(pa ^ pb), 6);
  EXPECT_EQ(a["h"]["data"]["dhash"].get<std::string>().size(), 16u);
  ASSERT_EQ(a["q"]["status"], "success");
  EXPECT_EQ(a["q"]["data"]["width"], 820);
  EXPECT_EQ(a["q"]["data"]["height"], 1024);
  EXPECT_TRUE(std::string("ABC").find(a["q"]["data"]["grade"].get<std::string>()) != std::string::npos);
}

TEST_F(AnalysisE2eTest, SecondIdenticalRequestIsServedFromTheCache) {
  auto client = server_->Client();
  const std::string photo = Photo("coco-tiny/images/000000522418.jpg");
  const std::vector<nlohmann::json> tasks = {Task("p", "detect_bounding_box"), Task("o", "detect_objects"),
                                             Task("e", "embed_clip_vit_b_32", {{"target", "prominent_person"}}),
                                             Task("h", "image_hash")};
  auto metric = [&](const char* name) {
    auto m = client->Get("/metrics");
    return MetricValue(m->body, name).value_or(-1);
  };
  const double hits0 = metric("iris_cache_hits_total");
  auto first = Results(*client, photo, tasks);
  const double hits1 = metric("iris_cache_hits_total");
  auto second = Results(*client, photo, tasks, "other-name.jpg");
  const double hits2 = metric("iris_cache_hits_total");
  EXPECT_EQ(hits1, hits0) << "the first request computes everything";
  EXPECT_EQ(hits2, hits1 + 4) << "the second is answered from the cache, task by task";
  EXPECT_EQ(first, second);
  // A different parameter is a different cache entry.
  Results(*client, photo, {Task("o", "detect_objects", {{"min_score", 0.9}})});
  EXPECT_EQ(metric("iris_cache_hits_total"), hits2);
  // The per-operation latency histogram is exported.
  auto m = client->Get("/metrics");
  EXPECT_NE(m->body.find("iris_analysis_task_seconds_count{operation=\"detect_objects\",status=\"success\"}"),
            std::string::npos);
}

TEST_F(AnalysisE2eTest, RequestLevelErrorsAreHttpErrorsWithDetail) {
  auto client = server_->Client();
  const std::string photo = Photo("faces-identity/images/obama_2.jpg");
  auto expect = [&](httplib::Result res, int status, const std::string& fragment) {
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, status) << res->body;
    auto body = ParseJson(res->body);
    ASSERT_TRUE(body.contains("detail")) << res->body;
    EXPECT_NE(body["detail"].get<std::string>().find(fragment), std::string::npos) << res->body;
  };
  auto upload = [&](const std::string& bytes, const std::string& tasks_json) {
    httplib::MultipartFormDataItems items = {{"image_file", bytes, "x.jpg", "image/jpeg"},
                                             {"tasks_json", tasks_json, "", ""}};
    return client->Post("/analyze_image_upload/", items);
  };
  const std::string ok_tasks = R"([{"operation_id": "a", "type": "image_hash"}])";
  expect(upload(photo, "[{not json"), 400, "tasks_json is not valid JSON");
  expect(upload(photo, R"({"operation_id": "a"})"), 400, "'tasks' must be an array");
  {
    auto none = upload(photo, "[]");  // the seed accepts an empty list: no results
    ASSERT_TRUE(none);
    EXPECT_EQ(none->status, 200) << none->body;
    EXPECT_EQ(ParseJson(none->body)["results"], nlohmann::json::object()) << none->body;
  }
  expect(upload(photo, R"([{"operation_id": "a", "type": "image_hash"}, {"operation_id": "a", "type": "image_hash"}])"),
         400, "duplicate operation_id 'a'");
  expect(upload(photo, R"([{"type": "image_hash"}])"), 400, "tasks[0].operation_id");
  expect(upload(photo, R"([{"operation_id": "a", "type": "image_hash", "params": [1]}])"), 400,
         "params must be an object");
  nlohmann::json many = nlohmann::json::array();
  for (int i = 0; i < 65; ++i) many.push_back(Task(std::string("t").append(std::to_string(i)), "image_hash"));
  expect(upload(photo, many.dump()), 400, "at most 64 tasks");
  expect(upload("this is not an image", ok_tasks), 415, "Could not process image");
  // The shared "corrupt JPEG" is not JPEG at all (no signature); a real JPEG cut in half is corrupt.
  expect(upload(Photo("near-duplicates/images/ukbench09268_corrupt.jpg"), ok_tasks), 415, "Could not process image");
  expect(upload(photo.substr(0, photo.size() / 2), ok_tasks), 400, "Could not process image");
  httplib::MultipartFormDataItems no_file = {{"tasks_json", ok_tasks, "", ""}};
  expect(client->Post("/analyze_image_upload/", no_file), 400, "image_file");
  httplib::MultipartFormDataItems no_tasks = {{"image_file", photo, "x.jpg", "image/jpeg"}};
  expect(client->Post("/analyze_image_upload/", no_tasks), 400, "tasks_json");
  expect(client->Post("/analyze_image_upload/", ok_tasks, "application/json"), 415, "multipart/form-data");

  // The URL route.
  const nlohmann::json tasks = nlohmann::json::parse(ok_tasks);
  expect(client->Post("/analyze_image/", "[1,2]", "application/json"), 400, "JSON object");
  expect(client->Post("/analyze_image/", "{\"tasks\": []", "application/json"), 400, "not valid JSON");
  expect(client->Post("/analyze_image/", nlohmann::json{{"tasks", tasks}}.dump(), "application/json"), 400,
         "'image_url'");
  expect(client->Post("/analyze_image/", nlohmann::json{{"image_url", "http://127.0.0.1:1/x.jpg"}}.dump(),
                      "application/json"),
         400, "'tasks'");
  const int closed_port = FreeLoopbackPort();
  expect(client->Post("/analyze_image/",
                      nlohmann::json{{"image_url", "http://127.0.0.1:" + std::to_string(closed_port) + "/x.jpg"},
                                     {"tasks", tasks}}
                          .dump(),
                      "application/json"),
         400, "Could not download image from URL");
  expect(
      client->Post("/analyze_image/", nlohmann::json{{"image_url", "http://10.1.2.3/x.jpg"}, {"tasks", tasks}}.dump(),
                   "application/json"),
      400, "Could not download image from URL");
  expect(client->Post("/analyze_image/", nlohmann::json{{"image_url", "file:///etc/passwd"}, {"tasks", tasks}}.dump(),
                      "application/json"),
         400, "Could not download image from URL");
  // The server is still well.
  EXPECT_EQ(client->Get("/healthz")->status, 200);
}

TEST_F(AnalysisE2eTest, MissingModelsAndUnknownOperationsFailOnlyTheirTask) {
  auto client = server_->Client();
  auto r = Results(*client, Photo("faces-identity/images/obama_2.jpg"),
                   {Task("dino", "embed_dino_v2"), Task("v3", "embed_dino_v3"), Task("resnet", "embed_resnet50"),
                    Task("wrong_kind", "embed_dino_v2", {{"model", "yunet"}}),
                    Task("clip_missing", "embed_clip_vit_b_32", {{"model", "clip-vit-b-32"}}),
                    Task("unknown", "teleport"), Task("fine", "image_hash")});
  EXPECT_EQ(r["dino"]["status"], "error");
  EXPECT_NE(r["dino"]["error_message"].get<std::string>().find("install it with: iris models pull dinov2-small"),
            std::string::npos);
  EXPECT_NE(r["v3"]["error_message"].get<std::string>().find("iris models pull dinov3-vitl16"), std::string::npos);
  EXPECT_NE(r["resnet"]["error_message"].get<std::string>().find("iris models pull resnet50"), std::string::npos);
  EXPECT_NE(r["wrong_kind"]["error_message"].get<std::string>().find("not a image embedder"), std::string::npos);
  EXPECT_NE(r["clip_missing"]["error_message"].get<std::string>().find("iris models pull clip-vit-b-32"),
            std::string::npos);
  EXPECT_NE(r["unknown"]["error_message"].get<std::string>().find("unknown operation type 'teleport'"),
            std::string::npos);
  EXPECT_EQ(r["fine"]["status"], "success");
}

}  // namespace
}  // namespace iris::testing
