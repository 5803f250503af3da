// End-to-end: POST /generate_caption (seeds 003/004) on the real `iris serve` with a fake OpenAI-compatible
// chat-completions provider (support/fake_chat_server.h) that speaks the real protocol: a new image is
// measured, captioned with a JSON-schema-constrained request and only then stored and indexed; the same
// image again answers the seed's duplicate shape without asking the provider; an invalid reply is asked
// for once more; provider outages (429 with Retry-After, 500s) are retried and, when they last, reported
// with nothing stored; the measured quality grade lowers the provider's; every bad input is a JSON error
// that stores nothing and asks the provider nothing.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>

#include "core/hash.h"
#include "e2e_http.h"
#include "image/test_images.h"
#include "support/fake_chat_server.h"
#include "support/shared_data.h"

namespace iris::testing {
namespace {

namespace fs = std::filesystem;

std::unique_ptr<ServerProcess> StartCaptionServer(const FakeChatServer* provider) {
  std::vector<std::string> args = {
      "--local-models",       "colors=" + RequireShared("models/clip-standin-colors").string(),
      "--default-clip-model", "colors",
      "--preload-models",     "colors"};
  if (provider) {
    for (const std::string& a : {std::string("--captions-url"), provider->base_url(), std::string("--captions-model"),
                                 std::string("fake-vision-1"), std::string("--captions-backoff-initial-ms"),
                                 std::string("10"), std::string("--captions-backoff-max-ms"), std::string("200"),
                                 std::string("--captions-max-retries"), std::string("2")}) {
      args.push_back(a);
    }
  }
  auto server = ServerProcess::Start(ServeWith(args));
  WaitUntilReady(*server);
  return server;
}

struct Reply {
  int status = -1;
  nlohmann::json body;
};

Reply Caption(httplib::Client& client, const std::string& bytes, httplib::MultipartFormDataItems fields = {}) {
  fields.push_back({"file", bytes, "ring 01.jpg", "image/jpeg"});
  auto res = client.Post("/generate_caption", fields);
  if (!res) return {};
  return {res->status, ParseJson(res->body)};
}

std::size_t StoredBlobs(const ServerProcess& server) {
  const fs::path root = server.data_dir() / "catalog-blobs";
  if (!fs::exists(root)) return 0;
  std::size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(root)) n += e.is_regular_file() ? 1 : 0;
  return n;
}

const httplib::MultipartFormDataItems kEarring = {{"type", "earring", "", ""}};

TEST(CatalogCaptionE2eTest, NewImageIsCaptionedAndStoredThenTheSameImageIsADuplicate) {
  FakeChatServer provider;
  auto server = StartCaptionServer(&provider);
  auto client = server->Client();
  const std::string dress = ClothingPhotoBytes("dress", 0);

  Reply made = Caption(*client, dress, kEarring);
  ASSERT_EQ(made.status, 200) << made.body.dump();
  std::vector<std::string> keys;
  for (const auto& [key, value] : made.body.items()) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"attributes", "color", "description", "display_name", "generated_name",
                                            "prompt", "quality", "s3_url"}))
      << "the seed's fields, no others";
  EXPECT_EQ(made.body["display_name"], "ring 01.jpg");
  EXPECT_EQ(made.body["s3_url"], "/catalog/alya/images/" + Sha256Hex(dress));
  EXPECT_NE(made.body["description"].get<std::string>().find("description of an image of"), std::string::npos)
      << "the provider's text, which names the image it was sent: " << made.body.dump();
  const std::string quality = made.body["quality"];
  EXPECT_TRUE(quality == "A" || quality == "B" || quality == "C") << quality;
  auto image = client->Get(made.body["s3_url"].get<std::string>());
  ASSERT_TRUE(image);
  EXPECT_EQ(image->body, dress) << "stored under its content address";

  auto requests = provider.requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& r = requests[0];
  ASSERT_TRUE(r.response_format) << "a JSON-schema-constrained request";
  EXPECT_EQ((*r.response_format)["type"], "json_schema");
  EXPECT_EQ((*r.response_format)["json_schema"]["name"], "catalog_caption");
  EXPECT_EQ((*r.response_format)["json_schema"]["strict"], true);
  EXPECT_EQ((*r.response_format)["json_schema"]["schema"]["required"].size(), 6u);
  EXPECT_EQ(r.image_format, "JPEG");
  EXPECT_NE(r.prompt.find("earring"), std::string::npos) << r.prompt;
  EXPECT_NE(r.prompt.find("technical grade"), std::string::npos) << "the measured grade is in the prompt";
  EXPECT_NE(r.prompt.find("dominant colours"), std::string::npos) << "the measured colours are in the prompt";

  Reply again = Caption(*client, dress, kEarring);
  ASSERT_EQ(again.status, 200) << again.body.dump();
  EXPECT_EQ(again.body,
            (nlohmann::json{
                {"display_name", "ring 01.jpg"}, {"s3_url", made.body["s3_url"]}, {"duplicate", "duplicate found"}}));
  EXPECT_EQ(provider.requests().size(), 1u) << "a duplicate is not captioned";
  EXPECT_EQ(StoredBlobs(*server), 1u);

  Reply unchecked = Caption(*client, dress, {{"type", "earring", "", ""}, {"check_duplicate", "no", "", ""}});
  ASSERT_EQ(unchecked.status, 200) << unchecked.body.dump();
  EXPECT_EQ(unchecked.body["s3_url"], made.body["s3_url"]) << "check_duplicate=no: captioned, same bytes, same image";
  EXPECT_EQ(provider.requests().size(), 2u);
}

TEST(CatalogCaptionE2eTest, AnInvalidReplyIsAskedForOnceMoreAndTwoFailWithNothingStored) {
  FakeChatServer provider;
  auto server = StartCaptionServer(&provider);
  auto client = server->Client();
  const std::string shoes = ClothingPhotoBytes("shoes", 0);

  provider.Enqueue(FakeChatBehaviour::Ok("Sure! Here is the caption: a gold ring"));
  Reply retried = Caption(*client, ClothingPhotoBytes("dress", 1), kEarring);
  ASSERT_EQ(retried.status, 200) << retried.body.dump();
  EXPECT_EQ(provider.requests().size(), 2u);

  const std::string wrong_type =
      R"({"generated_name": "Ring", "quality": "A", "description": "d", "attributes": ["gold"], "prompt": "p", )"
      R"("color": "gold"})";
  provider.Enqueue(FakeChatBehaviour::Ok(wrong_type));
  provider.Enqueue(FakeChatBehaviour::Ok(R"({"generated_name": "Ring", "quality": "excellent"})"));
  const std::size_t blobs_before = StoredBlobs(*server);
  Reply failed = Caption(*client, shoes, kEarring);
  EXPECT_EQ(failed.status, 503) << failed.body.dump();
  EXPECT_NE(failed.body["detail"].get<std::string>().find("did not follow the caption schema"), std::string::npos)
      << failed.body.dump();
  EXPECT_EQ(StoredBlobs(*server), blobs_before) << "a failed caption stores nothing";

  Reply later = Caption(*client, shoes, kEarring);
  ASSERT_EQ(later.status, 200) << later.body.dump();
  EXPECT_FALSE(later.body.contains("duplicate")) << "the failed attempt left nothing to be a duplicate of";

  // A fenced JSON reply (as some models send it despite the schema) is read as JSON, not sliced.
  provider.Enqueue(FakeChatBehaviour::Ok("```json\n" +
                                         nlohmann::json{{"generated_name", "Hoop Earring"},
                                                        {"quality", "b"},
                                                        {"description", "A hoop."},
                                                        {"attributes", "gold, hoop"},
                                                        {"prompt", "a gold hoop earring"},
                                                        {"color", "gold"}}
                                             .dump() +
                                         "\n```"));
  Reply fenced = Caption(*client, ClothingPhotoBytes("dress", 2), kEarring);
  ASSERT_EQ(fenced.status, 200) << fenced.body.dump();
  EXPECT_EQ(fenced.body["generated_name"], "Hoop Earring");
  EXPECT_EQ(fenced.body["color"], "gold");
  EXPECT_NE(fenced.body["quality"], "A") << "never better than the provider's B";
}

TEST(CatalogCaptionE2eTest, ProviderOutagesAreRetriedAndALastingOneStoresNothing) {
  FakeChatServer provider;
  auto server = StartCaptionServer(&provider);
  auto client = server->Client();

  provider.Enqueue(FakeChatBehaviour::Status(429, "0"));
  provider.Enqueue(FakeChatBehaviour::Status(503));
  Reply recovered = Caption(*client, ClothingPhotoBytes("dress", 3), kEarring);
  ASSERT_EQ(recovered.status, 200) << recovered.body.dump();

  for (int i = 0; i < 3; ++i) provider.Enqueue(FakeChatBehaviour::Status(500));
  const std::size_t blobs_before = StoredBlobs(*server);
  const std::string shoes = ClothingPhotoBytes("shoes", 1);
  Reply down = Caption(*client, shoes, kEarring);
  EXPECT_EQ(down.status, 503) << down.body.dump();
  EXPECT_EQ(StoredBlobs(*server), blobs_before);
  Reply later = Caption(*client, shoes, kEarring);
  ASSERT_EQ(later.status, 200) << later.body.dump();
  EXPECT_FALSE(later.body.contains("duplicate"));
}

TEST(CatalogCaptionE2eTest, TheMeasuredGradeLowersTheProvidersGrade) {
  FakeChatServer provider;  // its schema reply says quality "A" (the enum's first value)
  auto server = StartCaptionServer(&provider);
  auto client = server->Client();
  Reply tiny = Caption(*client, EncodeWithVips(SharedPhoto(120, 90), ".jpg[Q=90]"), kEarring);
  ASSERT_EQ(tiny.status, 200) << tiny.body.dump();
  EXPECT_EQ(tiny.body["quality"], "C") << "0.01 megapixels measures C whatever the provider says";
}

TEST(CatalogCaptionE2eTest, BadInputsAreJsonErrorsThatStoreNothingAndAskNothing) {
  FakeChatServer provider;
  auto server = StartCaptionServer(&provider);
  auto client = server->Client();
  const std::string dress = ClothingPhotoBytes("dress", 0);

  struct Case {
    std::string what;
    httplib::MultipartFormDataItems fields;
    int status;
    std::string detail;
  };
  const std::vector<Case> cases = {
      {"no type", {{"file", dress, "a.jpg", "image/jpeg"}}, 422, "'type'"},
      {"empty type", {{"file", dress, "a.jpg", "image/jpeg"}, {"type", "", "", ""}}, 422, "'type'"},
      {"markup in type", {{"file", dress, "a.jpg", "image/jpeg"}, {"type", "<script>", "", ""}}, 422, "'type'"},
      {"type too long",
       {{"file", dress, "a.jpg", "image/jpeg"}, {"type", std::string(65, 'a'), "", ""}},
       422,
       "'type'"},
      {"unknown website",
       {{"file", dress, "a.jpg", "image/jpeg"}, {"type", "earring", "", ""}, {"website", "nope", "", ""}},
       422,
       "alya"},
      {"bad check_duplicate",
       {{"file", dress, "a.jpg", "image/jpeg"}, {"type", "earring", "", ""}, {"check_duplicate", "maybe", "", ""}},
       422,
       "check_duplicate"},
      {"no file", {{"type", "earring", "", ""}}, 422, ""},
      {"not an image",
       {{"file", "plain text, no pixels", "a.jpg", "image/jpeg"}, {"type", "earring", "", ""}},
       415,
       ""},
  };
  for (const auto& c : cases) {
    auto res = client->Post("/generate_caption", c.fields);
    ASSERT_TRUE(res) << c.what;
    EXPECT_EQ(res->status, c.status) << c.what << ": " << res->body;
    const auto body = ParseJson(res->body);
    ASSERT_TRUE(body.contains("detail")) << c.what << ": " << res->body;
    EXPECT_NE(body["detail"].get<std::string>().find(c.detail), std::string::npos) << c.what << ": " << res->body;
  }
  EXPECT_EQ(StoredBlobs(*server), 0u);
  EXPECT_TRUE(provider.requests().empty());
}

TEST(CatalogCaptionE2eTest, WithoutAProviderItSaysHowToConfigureOneAndStoresNothing) {
  auto server = StartCaptionServer(nullptr);
  auto client = server->Client();
  Reply r = Caption(*client, ClothingPhotoBytes("dress", 0), kEarring);
  EXPECT_EQ(r.status, 409) << r.body.dump();
  EXPECT_NE(r.body["detail"].get<std::string>().find("captions.url"), std::string::npos) << r.body.dump();
  EXPECT_EQ(StoredBlobs(*server), 0u);
}

}  // namespace
}  // namespace iris::testing
