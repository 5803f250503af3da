// End-to-end: `iris analyze` and `iris caption-folder` run the analysis operations in-process with
// the real models (installed from ../shared/models) and a fake captioning provider.
#include <gtest/gtest.h>

#include <fstream>

#include "analysis_server.h"
#include "support/fake_chat_server.h"

namespace iris::testing {
namespace {

std::string Quote(const std::string& s) { return "'" + s + "'"; }

std::string AnalyzeCommand(const TempDir& data, const std::string& rest) {
  return IrisBinary() + " analyze --log-level warn --data-dir " + data.path().string() + " --models-dir " +
         InstalledModelsDir().string() + " --local-models colors=" + RequireShared("models/clip-standin-colors").string() +
         " --default-clip-model colors " + rest;
}

// The first line of a command's output that is a JSON object (stderr log lines are mixed in).
nlohmann::json FirstJsonLine(const std::string& output) {
  std::size_t pos = 0;
  while (pos < output.size()) {
    const std::size_t end = output.find('\n', pos);
    const std::string line = output.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    if (!line.empty() && line[0] == '{') return ParseJson(line);
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return ParseJson("");
}

std::string ReadText(const std::filesystem::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(AnalyzeCliTest, PrintsTheSameJsonAsTheHttpApi) {
  TempDir data;
  const std::string photo = RequireShared("data/faces-identity/images/obama_1.jpg").string();
  auto r = RunCommand(AnalyzeCommand(data, photo + " -t detect_bounding_box -t " +
                                               Quote("detect_bounding_box:target=prominent_face,face_context=whole_image") +
                                               " -t " + Quote("detect_objects:classes=[\"person\",\"tie\"],min_score=0.5") +
                                               " -t embed_clip_vit_b_32:target=prominent_person"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto reply = FirstJsonLine(r.output);
  ASSERT_FALSE(reply.is_discarded()) << r.output;
  EXPECT_EQ(reply["image_url"], photo);
  auto results = reply["results"];
  EXPECT_EQ(results["detect_bounding_box"]["status"], "success");
  EXPECT_EQ(results["detect_bounding_box"]["data"].size(), 4u);
  EXPECT_EQ(results["detect_bounding_box_2"]["data"].size(), 4u) << "repeated types get _2";
  for (const auto& o : results["detect_objects"]["data"]) {
    EXPECT_TRUE(o["label"] == "person" || o["label"] == "tie") << o;
    EXPECT_GE(o["score"].get<double>(), 0.5);
  }
  EXPECT_EQ(results["embed_clip_vit_b_32"]["data"].size(), 512u);
  EXPECT_EQ(results["embed_clip_vit_b_32"]["cropped_image_bbox"], results["detect_bounding_box"]["data"]);
}

TEST(AnalyzeCliTest, ExitCodesSayWhatWentWrong) {
  TempDir data;
  const std::string photo = RequireShared("data/faces-identity/images/obama_2.jpg").string();
  EXPECT_EQ(RunCommand(AnalyzeCommand(data, photo)).exit_code, 2) << "no task";
  auto bad_spec = RunCommand(AnalyzeCommand(data, photo + " -t image_hash:target"));
  EXPECT_EQ(bad_spec.exit_code, 2);
  EXPECT_NE(bad_spec.output.find("is not key=value"), std::string::npos) << bad_spec.output;
  auto missing = RunCommand(AnalyzeCommand(data, "/no/such/image.jpg -t image_hash"));
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("no such image file"), std::string::npos);
  // A task error is reported in the JSON and in the exit status.
  auto task_error = RunCommand(AnalyzeCommand(data, photo + " -t embed_dino_v2 -t image_hash"));
  EXPECT_EQ(task_error.exit_code, 1);
  auto reply = FirstJsonLine(task_error.output);
  EXPECT_EQ(reply["results"]["embed_dino_v2"]["status"], "error");
  EXPECT_EQ(reply["results"]["image_hash"]["status"], "success");
}

class CaptionFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"obama_1.jpg", "biden_1.jpg", "kit_harington_1.jpg"}) {
      std::filesystem::copy_file(RequireShared(std::string("data/faces-identity/images/") + name),
                                 folder_.path() / name);
    }
    std::ofstream(folder_.path() / "notes.md") << "not an image";
    std::ofstream(folder_.path() / "kit_harington_1.txt") << "my own caption";
  }
  std::string Command(const std::string& extra) {
    return IrisBinary() + " caption-folder " + folder_.path().string() + " --log-level warn --data-dir " +
           data_.path().string() + " --models-dir " + InstalledModelsDir().string() + " " + extra;
  }
  TempDir folder_, data_;
};

TEST_F(CaptionFolderTest, WritesCaptionsBesideTheImagesAndSkipsExistingOnes) {
  FakeChatServer provider;
  const std::string with_provider = "--captions-url " + provider.base_url() + " --captions-backoff-initial-ms 10";
  auto r = RunCommand(Command(with_provider));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("captioned 2, skipped 1"), std::string::npos) << r.output;
  EXPECT_NE(ReadText(folder_.path() / "obama_1.txt").find("820x1024"), std::string::npos);
  EXPECT_FALSE(ReadText(folder_.path() / "biden_1.txt").empty());
  EXPECT_EQ(ReadText(folder_.path() / "kit_harington_1.txt"), "my own caption");
  EXPECT_FALSE(std::filesystem::exists(folder_.path() / "notes.txt"));
  EXPECT_EQ(provider.requests().size(), 2u);

  // --force redoes every image (the result cache answers the two already captioned).
  r = RunCommand(Command(with_provider + " --force"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("captioned 3, skipped 0"), std::string::npos) << r.output;
  EXPECT_NE(ReadText(folder_.path() / "kit_harington_1.txt").find("pixels"), std::string::npos);
  EXPECT_EQ(provider.requests().size(), 3u);
}

TEST_F(CaptionFolderTest, FailuresAreReportedAndLeaveNoFiles) {
  EXPECT_EQ(RunCommand(Command("")).exit_code, 3) << "no provider configured";
  EXPECT_EQ(RunCommand(IrisBinary() + " caption-folder /no/such/folder").exit_code, 2);
  FakeChatServer provider;
  provider.SetDefault(FakeChatBehaviour::Status(500));
  auto r = RunCommand(Command("--captions-url " + provider.base_url() +
                              " --captions-backoff-initial-ms 1 --captions-backoff-max-ms 5 --captions-max-retries 1"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("failed 2"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("500"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(folder_.path() / "obama_1.txt"));
  EXPECT_FALSE(std::filesystem::exists(folder_.path() / "obama_1.txt.tmp"));
}

}  // namespace
}  // namespace iris::testing
