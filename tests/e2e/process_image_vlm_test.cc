// End-to-end: POST /process-image with the VLM analysis stage (analysis.region_vlm) on the real `iris serve`,
// real YOLOX-Nano/YuNet and a real COCO photo, against the fake OpenAI-compatible chat-completions provider
// (tests/support/fake_chat_server.h): crops are sent in batches with their ids, the replies are read by id
// (answered in reverse order here), the VLM's words decide between otherwise similar sections and name the
// match, and a provider outage falls back to the local analysis.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>

#include "e2e_http.h"
#include "support/fake_chat_server.h"
#include "support/shared_data.h"

namespace iris::testing {
namespace {

const char kPhoto[] = "data/coco-tiny/images/000000554625.jpg";  // several persons

class ProcessImageVlmE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = ServerProcess::Start(
        ServeWith({"--models-dir", ModelsDirWith("yolox-nano yunet").string(), "--captions-url", provider_.base_url(),
                   "--captions-model", "fake-vision-1", "--captions-max-retries", "0", "--region-vlm", "1"}));
    WaitUntilReady(*server_);
  }

  nlohmann::json Ask(const std::string& prompt) {
    const std::string photo = ReadFileBytes(RequireShared(kPhoto));
    auto res = server_->Client()->Post(
        "/process-image",
        httplib::MultipartFormDataItems{
            {"file", photo, "photo.jpg", "image/jpeg"}, {"prompt", prompt, "", ""}, {"debug", "true", "", ""}});
    if (!res) throw std::runtime_error("no reply");
    if (res->status != 200) throw std::runtime_error("status " + std::to_string(res->status) + ": " + res->body);
    return ParseJson(res->body);
  }

  static nlohmann::json Stage(const nlohmann::json& reply, const std::string& name) {
    for (const auto& stage : reply["debug"]) {
      if (stage["stage"] == name) return stage;
    }
    return nullptr;
  }

  FakeChatServer provider_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(ProcessImageVlmE2eTest, RepliesAreReadByIdAndTheVlmWordsPickAndNameTheMatch) {
  // First ask: learn which sections a "person" prompt keeps (the fake's default schema reply answers them).
  const nlohmann::json first = Ask("the person");
  const std::vector<std::string> kept = first["filtered_section_ids"];
  ASSERT_GE(kept.size(), 3u) << first.dump();
  const nlohmann::json analyse = Stage(first, "analyse");
  ASSERT_TRUE(analyse.is_object()) << first.dump();
  EXPECT_EQ(analyse["source"], "provider");
  const std::size_t batches = (std::min<std::size_t>(kept.size(), 32) + 7) / 8;
  EXPECT_EQ(analyse["requests"], batches);
  ASSERT_EQ(provider_.requests().size(), batches);
  const FakeChatRequest sent = provider_.requests().front();
  EXPECT_EQ(sent.images, static_cast<int>(std::min<std::size_t>(kept.size(), 8)));
  EXPECT_NE(sent.prompt.find("Region " + kept[0] + ":"), std::string::npos) << sent.prompt;
  ASSERT_TRUE(sent.response_format.has_value());
  const nlohmann::json ids =
      (*sent.response_format)["json_schema"]["schema"]["properties"]["sections"]["items"]["properties"]["id"]["enum"];
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(sent.images));

  // Second ask (another prompt: not cached): the provider answers every batch in reverse order, and says
  // the LAST kept person wears stripes. Only reading by id gives that section the stripes.
  const std::string striped = kept[std::min<std::size_t>(kept.size(), 8) - 1];
  nlohmann::json entries = nlohmann::json::array();
  for (std::size_t i = 0; i < std::min<std::size_t>(kept.size(), 8); ++i) {
    const bool stripes = kept[i] == striped;
    const nlohmann::json entry = {
        {"id", kept[i]},
        {"type", "Person"},
        {"visual_elements", stripes ? nlohmann::json({"Stripes", "white"}) : nlohmann::json({"plain", "dark"})}};
    entries.insert(entries.begin(), entry);
  }
  entries.push_back({{"id", "s999"}, {"type", "ghost"}, {"visual_elements", nlohmann::json::array()}});  // not asked
  FakeChatBehaviour batch;
  batch.text = nlohmann::json({{"sections", entries}}).dump();
  provider_.Enqueue(batch);  // later batches (if any) get the default reply

  const nlohmann::json second = Ask("the person with stripes");
  ASSERT_FALSE(second["match"].is_null()) << second.dump();
  EXPECT_EQ(second["match"]["id"], striped) << second.dump();
  EXPECT_EQ(second["match"]["type"], "person");
  EXPECT_EQ(second["match"]["visual_elements"], nlohmann::json({"stripes", "white"}));
  const nlohmann::json record = Stage(second, "analyse");
  EXPECT_EQ(record["ignored_entries"], 1) << record.dump() << "\nfirst: " << Stage(first, "analyse").dump();

  // The same prompt again: the analyses come from the cache, no new provider request.
  const std::size_t before = provider_.requests().size();
  const nlohmann::json third = Ask("the person with stripes");
  EXPECT_EQ(third["match"]["id"], striped);
  EXPECT_EQ(provider_.requests().size(), before);
}

TEST_F(ProcessImageVlmE2eTest, AProviderOutageFallsBackToTheLocalAnalysis) {
  FakeChatBehaviour down;
  down.kind = FakeChatBehaviour::Kind::kStatus;
  down.status = 503;
  down.error_message = "overloaded";
  provider_.SetDefault(down);
  const nlohmann::json reply = Ask("the person");
  ASSERT_FALSE(reply["match"].is_null()) << reply.dump();
  EXPECT_EQ(reply["match"]["type"], "person");
  const nlohmann::json record = Stage(reply, "analyse");
  EXPECT_EQ(record["source"], "local") << reply.dump();
  EXPECT_FALSE(record["error"].get<std::string>().empty());
}

}  // namespace
}  // namespace iris::testing
