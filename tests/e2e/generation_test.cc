// End-to-end: generated product shots (POST /generate-images, POST /regenerate-image) on the real `iris serve`
// with the real ISNet model, a real photo stored through /image_similarity_search, and the fake
// OpenAI-compatible images/edits server (tests/support/fake_image_edit_server.h): the seed's reply shape and
// ZIP, the white-background shot, per-image failures under 429 storms with Retry-After, 500s, timeouts and
// malformed JSON (nothing lost, nothing deleted early), regeneration, background jobs, every bad input
// answered with a JSON error and nothing changed, a wrong key, no provider, and the same flow on S3 (s3rver).
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "core/hash.h"
#include "e2e_http.h"
#include "image/image_decoder.h"
#include "store/zip_archive.h"
#include "support/fake_image_edit_server.h"
#include "support/s3rver_process.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"

namespace iris::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::unique_ptr<ServerProcess> StartServer(const std::string& provider_url, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"--models-dir",
                                   ModelsDirWith("isnet-general-small-int8").string(),
                                   "--local-models",
                                   "colors=" + RequireShared("models/clip-standin-colors").string(),
                                   "--default-clip-model",
                                   "colors",
                                   "--preload-models",
                                   "colors",
                                   "--generation-api-key",
                                   "sk-test-key",
                                   "--generation-backoff-initial-ms",
                                   "10",
                                   "--generation-backoff-max-ms",
                                   "3000",
                                   "--generation-timeout",
                                   "3"};
  if (!provider_url.empty()) {
    args.push_back("--generation-url");
    args.push_back(provider_url);
  }
  args.insert(args.end(), extra.begin(), extra.end());
  auto server = ServerProcess::Start(ServeWith(args));
  WaitUntilReady(*server);
  return server;
}

std::string HatPhoto() {
  std::vector<fs::path> paths;
  for (const auto& e : fs::directory_iterator(RequireShared("data/clothing-cc0/images/hat"))) paths.push_back(e.path());
  std::sort(paths.begin(), paths.end());
  return ReadFileBytes(paths.at(0));
}

struct Reply {
  int status = -1;
  json body;
};

Reply PostJson(httplib::Client& client, const std::string& path, const json& body) {
  auto res = client.Post(path, body.dump(), "application/json");
  if (!res) return {};
  return {res->status, ParseJson(res->body)};
}

// Stores the photo in the catalog; returns its s3_url.
std::string StoreOriginal(httplib::Client& client, const std::string& bytes, const std::string& website = "alya") {
  httplib::MultipartFormDataItems fields = {
      {"file", bytes, "hat.jpg", "image/jpeg"}, {"website", website, "", ""}, {"check_duplicate", "no", "", ""}};
  auto res = client.Post("/image_similarity_search", fields);
  if (!res || res->status != 200) throw std::runtime_error("storing the original failed");
  return ParseJson(res->body)["s3_url"];
}

// The entries of the ZIP at `url` (name -> bytes).
std::map<std::string, std::string> ZipEntries(const ServerProcess& server, const std::string& url) {
  auto [status, bytes] = FetchUrl(server, url);
  if (status != 200) throw std::runtime_error("ZIP fetch " + std::to_string(status));
  TempDir dir;
  std::ofstream(dir.path() / "z.zip", std::ios::binary) << bytes;
  auto reader = ZipReader::Open(dir.path() / "z.zip");
  if (!reader.ok()) throw std::runtime_error(reader.status().ToString());
  std::map<std::string, std::string> out;
  for (const auto& name : (*reader)->names()) out[name] = (*reader)->Read(name, 64 << 20).value();
  return out;
}

std::size_t FilesUnder(const fs::path& root) {
  if (!fs::exists(root)) return 0;
  std::size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(root)) n += e.is_regular_file() ? 1 : 0;
  return n;
}

void ExpectPureWhiteProductShot(const std::string& png) {
  auto decoded = DecodeImage(png, {});
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  const RgbImage& img = decoded->image;
  EXPECT_EQ(img.width, 2000);
  EXPECT_EQ(img.height, 2000);
  int white_corners = 0;
  for (auto [x, y] : {std::pair{0, 0}, {1999, 0}, {0, 1999}, {1999, 1999}}) {
    const std::uint8_t* p = img.row(y) + 3 * x;
    white_corners += (p[0] == 255 && p[1] == 255 && p[2] == 255) ? 1 : 0;
  }
  EXPECT_EQ(white_corners, 4);
  const std::uint8_t* centre = img.row(1000) + 3 * 1000;
  EXPECT_LT(centre[0] + centre[1] + centre[2], 3 * 250) << "the product is in the middle";
}

TEST(GenerationE2eTest, GeneratesTheSeedsFourShotsAndTheirZip) {
  FakeImageEditServer provider;
  provider.set_expected_api_key("sk-test-key");
  auto server = StartServer(provider.base_url());
  auto client = server->Client();
  const std::string original = StoreOriginal(*client, HatPhoto());

  Reply made = PostJson(*client, "/generate-images", {{"s3_urls", original}, {"product_type", "earring"}});
  ASSERT_EQ(made.status, 200) << made.body.dump() << server->Logs();
  ASSERT_EQ(made.body["gen_images"].size(), 4u) << made.body.dump();
  EXPECT_TRUE(made.body["failed"].empty());
  const std::vector<std::pair<int, std::string>> expected = {
      {1, "White Background"}, {2, "Hand Holding"}, {4, "Lifestyle Nature"}, {5, "Model Wearing"}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const json& shot = made.body["gen_images"][i];
    EXPECT_EQ(shot["prompt_index"], i);
    EXPECT_EQ(shot["image_type"], expected[i].first);
    EXPECT_EQ(shot["image_type_name"], expected[i].second);
    auto [status, bytes] = FetchUrl(*server, shot["image_url"]);
    EXPECT_EQ(status, 200) << shot.dump();
    if (i == 0) ExpectPureWhiteProductShot(bytes);
  }
  auto original_fetch = FetchUrl(*server, made.body["original_image_url"]);
  EXPECT_EQ(original_fetch, std::pair(200, HatPhoto()));

  const auto requests = provider.requests();
  ASSERT_EQ(requests.size(), 3u) << "type 1 is made locally";
  std::set<std::string> prompts;
  for (const auto& r : requests) {
    EXPECT_EQ(r.image_format, "JPEG") << "the original is sent as it is stored";
    EXPECT_EQ(r.model, "gpt-image-1");
    EXPECT_EQ(r.size, "1024x1024");
    prompts.insert(r.prompt);
  }
  EXPECT_EQ(prompts.size(), 3u);

  auto entries = ZipEntries(*server, made.body["zip_url"]);
  ASSERT_EQ(entries.size(), 5u);
  EXPECT_EQ(FetchUrl(*server, made.body["gen_images"][1]["image_url"]).second, entries["1_hand_holding.png"]);
  const json manifest = ParseJson(entries["manifest.json"]);
  EXPECT_EQ(manifest["format"], "iris-product-shots/1");
  EXPECT_EQ(manifest["product_type"], "earring");
  EXPECT_EQ(manifest["images"].size(), 4u);

  // The same request again: the white-background shot is deterministic (same bytes, same URL).
  Reply again = PostJson(*client, "/generate-images",
                         {{"s3_urls", original}, {"product_type", "Earrings"}, {"image_types", {1}}});
  ASSERT_EQ(again.status, 200) << again.body.dump();
  EXPECT_EQ(again.body["gen_images"][0]["image_url"], made.body["gen_images"][0]["image_url"]);

  // Type 3 with its size; num_images cuts the list.
  Reply sized = PostJson(*client, "/generate-images",
                         {{"s3_urls", original},
                          {"product_type", "earring"},
                          {"image_types", {3, 2, 5}},
                          {"num_images", 2},
                          {"height", "2.5 cm"},
                          {"width", "1 cm"}});
  ASSERT_EQ(sized.status, 200) << sized.body.dump();
  ASSERT_EQ(sized.body["gen_images"].size(), 2u);
  EXPECT_EQ(sized.body["gen_images"][0]["image_type_name"], "Dimension Image");
  // The two shots are made in parallel, so the type-3 request need not be the last one to arrive.
  const auto sent = provider.requests();
  EXPECT_TRUE(std::any_of(sent.begin(), sent.end(), [](const auto& r) {
    return r.prompt.find("2.5 cm") != std::string::npos;
  })) << "the Dimension Image prompt carries the size";
}

TEST(GenerationE2eTest, ProviderFaultsAreReportedPerImageAndNothingIsLost) {
  FakeImageEditServer provider;
  auto server = StartServer(provider.base_url());
  auto client = server->Client();
  const std::string original = StoreOriginal(*client, HatPhoto());
  // Type 2: a 429 storm with Retry-After, then success. Type 4: 500 on every attempt. Type 5: malformed JSON.
  for (int i = 0; i < 3; ++i) provider.EnqueueFor("open palm", FakeImageBehaviour::Status(429, "1"));
  for (int i = 0; i < 4; ++i) provider.EnqueueFor("wooden stick", FakeImageBehaviour::Status(500));
  provider.EnqueueFor("model wearing", FakeImageBehaviour::MalformedJson());

  Reply made = PostJson(*client, "/generate-images", {{"s3_urls", original}, {"product_type", "earring"}});
  ASSERT_EQ(made.status, 200) << made.body.dump() << server->Logs();
  ASSERT_EQ(made.body["gen_images"].size(), 2u) << made.body.dump();
  EXPECT_EQ(made.body["gen_images"][0]["image_type"], 1);
  EXPECT_EQ(made.body["gen_images"][1]["image_type"], 2) << "the 429 storm was waited out";
  ASSERT_EQ(made.body["failed"].size(), 2u);
  EXPECT_EQ(made.body["failed"][0]["image_type"], 4);
  EXPECT_NE(made.body["failed"][0]["error"].get<std::string>().find("answered 500 after 4 attempts"),
            std::string::npos);
  EXPECT_TRUE(made.body["failed"][0]["retryable"].get<bool>());
  EXPECT_EQ(made.body["failed"][1]["image_type"], 5);
  EXPECT_NE(made.body["failed"][1]["error"].get<std::string>().find("not valid JSON"), std::string::npos);
  auto entries = ZipEntries(*server, made.body["zip_url"]);
  EXPECT_EQ(entries.size(), 3u) << "two shots and the manifest";
  EXPECT_EQ(FetchUrl(*server, original).first, 200) << "the original is never touched";

  // A timeout fails that shot only.
  provider.EnqueueFor("open palm", FakeImageBehaviour::SleepThenOk(10000));
  provider.EnqueueFor("open palm", FakeImageBehaviour::SleepThenOk(10000));
  provider.EnqueueFor("open palm", FakeImageBehaviour::SleepThenOk(10000));
  provider.EnqueueFor("open palm", FakeImageBehaviour::SleepThenOk(10000));
  Reply slow = PostJson(*client, "/generate-images",
                        {{"s3_urls", original}, {"product_type", "earring"}, {"image_types", {1, 2}}});
  ASSERT_EQ(slow.status, 200) << slow.body.dump();
  ASSERT_EQ(slow.body["failed"].size(), 1u);
  EXPECT_NE(slow.body["failed"][0]["error"].get<std::string>().find("timed out"), std::string::npos);

  // Every shot failing is an error naming each; nothing is stored.
  const std::size_t files = FilesUnder(server->data_dir() / "catalog-blobs");
  provider.EnqueueFor("model wearing", FakeImageBehaviour::Status(400));
  Reply none =
      PostJson(*client, "/generate-images", {{"s3_urls", original}, {"product_type", "earring"}, {"image_types", {5}}});
  EXPECT_EQ(none.status, 422) << none.body.dump();
  EXPECT_NE(none.body["detail"].get<std::string>().find("[0] type 5 (Model Wearing)"), std::string::npos);
  EXPECT_EQ(FilesUnder(server->data_dir() / "catalog-blobs"), files);

  // Regenerate the failed type 4 (the provider works again): stored first, then a new ZIP; the old ZIP stays.
  Reply regen = PostJson(*client, "/regenerate-image", {{"zip_url", made.body["zip_url"]}, {"image_type", 4}});
  ASSERT_EQ(regen.status, 200) << regen.body.dump();
  EXPECT_EQ(regen.body["gen_images"].size(), 3u);
  ASSERT_EQ(regen.body["failed"].size(), 1u) << "type 5 is still to be made";
  EXPECT_EQ(regen.body["failed"][0]["image_type"], 5);
  EXPECT_EQ(regen.body["regenerated"]["prompt_index"], 2);
  EXPECT_NE(regen.body["zip_url"], made.body["zip_url"]);
  EXPECT_EQ(ZipEntries(*server, regen.body["zip_url"]).size(), 4u);
  EXPECT_EQ(ZipEntries(*server, made.body["zip_url"]).size(), 3u) << "the old ZIP is still there";

  // Regenerate type 2 by its URL: a new image in its place.
  const std::string old_hand = regen.body["gen_images"][1]["image_url"];
  Reply hand = PostJson(*client, "/regenerate-image", {{"zip_url", regen.body["zip_url"]}, {"image_url", old_hand}});
  ASSERT_EQ(hand.status, 200) << hand.body.dump();
  EXPECT_NE(hand.body["gen_images"][1]["image_url"], old_hand);
  EXPECT_EQ(FetchUrl(*server, old_hand).first, 200) << "nothing deleted";

  // A regeneration that fails changes nothing.
  const std::size_t before = FilesUnder(server->data_dir() / "catalog-blobs");
  provider.EnqueueFor("open palm", FakeImageBehaviour::Status(400));
  Reply failed = PostJson(*client, "/regenerate-image", {{"zip_url", hand.body["zip_url"]}, {"prompt_index", 1}});
  EXPECT_EQ(failed.status, 422) << failed.body.dump();
  EXPECT_EQ(FilesUnder(server->data_dir() / "catalog-blobs"), before);
}

TEST(GenerationE2eTest, BadInputsGetAJsonErrorAndChangeNothing) {
  FakeImageEditServer provider;
  auto server = StartServer(provider.base_url());
  auto client = server->Client();
  const std::string original = StoreOriginal(*client, HatPhoto());
  const fs::path blobs = server->data_dir() / "catalog-blobs";
  const std::size_t files = FilesUnder(blobs);
  auto expect_error = [&](int status, const json& body, const std::string& needle, const std::string& path) {
    Reply r = PostJson(*client, path, body);
    EXPECT_EQ(r.status, status) << body.dump() << " -> " << r.body.dump();
    ASSERT_TRUE(r.body.is_object() && r.body["detail"].is_string()) << r.body.dump();
    EXPECT_NE(r.body["detail"].get<std::string>().find(needle), std::string::npos) << r.body.dump();
  };
  const std::string gen = "/generate-images";
  const std::string stranger = "/catalog/alya/files/" + std::string(64, 'a');
  expect_error(422, {{"product_type", "earring"}}, "s3_urls", gen);
  expect_error(422, {{"s3_urls", ""}, {"product_type", "earring"}}, "s3_urls", gen);
  expect_error(422, {{"s3_urls", {original, original}}, {"product_type", "earring"}}, "one original", gen);
  expect_error(422, {{"s3_urls", original}}, "product_type", gen);
  expect_error(422, {{"s3_urls", original}, {"product_type", "ring"}}, "known: bracelet, earring, necklace", gen);
  expect_error(422, {{"s3_urls", original}, {"product_type", "earring"}, {"image_types", {3}}}, "height", gen);
  expect_error(422, {{"s3_urls", original}, {"product_type", "earring"}, {"image_types", {3}}, {"height", "2 cm"}},
               "width", gen);
  expect_error(422, {{"s3_urls", original}, {"product_type", "earring"}, {"image_types", {7}}}, "(1, 2, 3, 4, 5)", gen);
  expect_error(422, {{"s3_urls", original}, {"product_type", "earring"}, {"image_types", {2, 2}}}, "twice", gen);
  expect_error(422, {{"s3_urls", original}, {"product_type", "earring"}, {"image_types", "two"}}, "image_types", gen);
  for (const json& n : {json(0), json(11), json("abc")}) {
    expect_error(422, {{"s3_urls", original}, {"product_type", "earring"}, {"num_images", n}}, "num_images", gen);
  }
  for (const std::string& url : {std::string("https://evil.example.com/a.jpg"),
                                 "http://169.254.169.254/latest/meta-data/" + std::string(64, 'b'),
                                 "/catalog/nope/files/" + std::string(64, 'c'), std::string("../../etc/passwd")}) {
    expect_error(422, {{"s3_urls", url}, {"product_type", "earring"}}, "configured website", gen);
  }
  expect_error(404, {{"s3_urls", stranger}, {"product_type", "earring"}}, "no file stored", gen);
  expect_error(422, {{"s3_urls", original}, {"product_type", "earring"}, {"website", "nope"}}, "configured websites",
               gen);
  expect_error(422, {{"s3_urls", original}, {"product_type", "earring"}, {"website", "blysk"}}, "belongs to website",
               gen);
  auto not_json = client->Post(gen, "{not json", "application/json");
  ASSERT_TRUE(not_json);
  EXPECT_EQ(not_json->status, 400) << not_json->body;
  EXPECT_TRUE(ParseJson(not_json->body)["detail"].is_string());

  const std::string re = "/regenerate-image";
  expect_error(422, {{"prompt_index", 0}}, "zip_url", re);
  expect_error(422, {{"zip_url", original}}, "prompt_index", re);
  expect_error(422, {{"zip_url", original}, {"prompt_index", 0}}, "not a product-shot ZIP", re);
  expect_error(422, {{"zip_url", "https://evil.example.com/x.zip"}, {"prompt_index", 0}}, "configured website", re);
  expect_error(404, {{"zip_url", stranger}, {"prompt_index", 0}}, "no file stored", re);
  expect_error(422, {{"zip_url", original}, {"prompt_index", 99}}, "prompt_index", re);

  EXPECT_EQ(FilesUnder(blobs), files) << "nothing stored";
  EXPECT_TRUE(provider.requests().empty()) << "nothing sent";

  // Regeneration selectors are checked against the set.
  Reply made = PostJson(*client, gen, {{"s3_urls", original}, {"product_type", "earring"}, {"image_types", {1, 2}}});
  ASSERT_EQ(made.status, 200) << made.body.dump();
  const std::size_t after = FilesUnder(blobs);
  const std::size_t sent = provider.requests().size();
  expect_error(422, {{"zip_url", made.body["zip_url"]}, {"prompt_index", 5}}, "not in the set", re);
  expect_error(422, {{"zip_url", made.body["zip_url"]}, {"image_type", 4}}, "not in the set", re);
  expect_error(422, {{"zip_url", made.body["zip_url"]}, {"prompt_index", 0}, {"image_type", 2}}, "different images",
               re);
  expect_error(422, {{"zip_url", made.body["zip_url"]}, {"image_url", original}}, "not one of the set's images", re);
  expect_error(422, {{"zip_url", made.body["zip_url"]}, {"prompt_index", 0}, {"original_image_url", stranger}},
               "not the original", re);
  EXPECT_EQ(FilesUnder(blobs), after);
  EXPECT_EQ(provider.requests().size(), sent);
}

TEST(GenerationE2eTest, BackgroundJobsWrongKeysAndNoProvider) {
  FakeImageEditServer provider;
  provider.set_expected_api_key("another-key");
  auto server = StartServer(provider.base_url());
  auto client = server->Client();
  const std::string original = StoreOriginal(*client, HatPhoto());

  // A wrong key: each provider shot fails with the reason, the key never quoted; type 1 still made.
  Reply wrong = PostJson(*client, "/generate-images", {{"s3_urls", original}, {"product_type", "necklace"}});
  ASSERT_EQ(wrong.status, 200) << wrong.body.dump();
  ASSERT_EQ(wrong.body["gen_images"].size(), 1u);
  ASSERT_EQ(wrong.body["failed"].size(), 3u);
  EXPECT_NE(wrong.body["failed"][0]["error"].get<std::string>().find("check generation.api_key"), std::string::npos);
  EXPECT_EQ(wrong.body.dump().find("sk-test-key"), std::string::npos);
  EXPECT_EQ(provider.unauthorized(), 3) << "401 is not retried";

  // As a background job: {task_id, status}, then the reply as the item's result.
  provider.set_expected_api_key("sk-test-key");
  Reply queued = PostJson(*client, "/generate-images",
                          {{"s3_urls", original}, {"product_type", "bracelet"}, {"background", true}});
  ASSERT_EQ(queued.status, 200) << queued.body.dump();
  const std::string task_id = queued.body["task_id"];
  json task;
  for (int i = 0; i < 600; ++i) {
    auto res = client->Get("/tasks/" + task_id);
    task = res ? ParseJson(res->body) : json();
    if (task.is_object() && (task["status"] == "succeeded" || task["status"] == "failed")) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(task["status"], "succeeded") << task.dump();
  EXPECT_EQ(task["progress"], json({{"done", 1}, {"total", 1}}));
  auto items = client->Get("/tasks/" + task_id + "/items");
  ASSERT_TRUE(items && items->status == 200);
  const json result = ParseJson(items->body)["items"][0]["result"];
  EXPECT_EQ(result["gen_images"].size(), 4u) << result.dump();
  EXPECT_EQ(result["gen_images"][1]["image_type_name"], "On Wrist");
  EXPECT_EQ(FetchUrl(*server, result["zip_url"]).first, 200);
  // Bad input is refused before a job is queued.
  Reply bad =
      PostJson(*client, "/generate-images", {{"s3_urls", original}, {"product_type", "ring"}, {"background", true}});
  EXPECT_EQ(bad.status, 422) << bad.body.dump();

  // No provider configured: type 1 works, the others say how to configure one.
  auto local = StartServer("");
  auto local_client = local->Client();
  const std::string local_original = StoreOriginal(*local_client, HatPhoto());
  Reply white = PostJson(*local_client, "/generate-images",
                         {{"s3_urls", local_original}, {"product_type", "earring"}, {"image_types", {1}}});
  ASSERT_EQ(white.status, 200) << white.body.dump() << local->Logs();
  ExpectPureWhiteProductShot(FetchUrl(*local, white.body["gen_images"][0]["image_url"]).second);
  Reply defaults =
      PostJson(*local_client, "/generate-images", {{"s3_urls", local_original}, {"product_type", "earring"}});
  ASSERT_EQ(defaults.status, 200) << defaults.body.dump();
  EXPECT_EQ(defaults.body["gen_images"].size(), 1u);
  ASSERT_EQ(defaults.body["failed"].size(), 3u);
  EXPECT_NE(defaults.body["failed"][0]["error"].get<std::string>().find("generation.url"), std::string::npos);
}

TEST(GenerationE2eTest, S3BackendStoresPresignedShotsAndRegeneratesFromAPrivateBucket) {
  auto s3 = S3rverProcess::Start({"alyaimg", "blyskimg"});
  ASSERT_TRUE(s3) << "s3rver is not installed (" << S3rverScript() << "): run scripts/setup.sh";
  FakeImageEditServer provider;
  auto server =
      StartServer(provider.base_url(), {"--storage-backend", "s3", "--s3-endpoint", s3->virtual_host_endpoint(),
                                        "--s3-access-key-id", "S3RVER", "--s3-secret-access-key", "S3RVER",
                                        "--catalog-websites", "alya=alyaimg/catalog,blysk=blyskimg"});
  auto client = server->Client();
  const std::string original = StoreOriginal(*client, HatPhoto(), "blysk");
  Reply made = PostJson(*client, "/generate-images",
                        {{"s3_urls", original}, {"product_type", "earring"}, {"image_types", {1, 2}}});
  ASSERT_EQ(made.status, 200) << made.body.dump() << server->Logs();
  ASSERT_EQ(made.body["gen_images"].size(), 2u);
  for (const auto& shot : made.body["gen_images"]) {
    const std::string url = shot["image_url"];
    EXPECT_EQ(url.rfind(s3->virtual_host_endpoint().replace(7, 0, "blyskimg."), 0), 0u) << url;
    EXPECT_NE(url.find("X-Amz-Signature="), std::string::npos) << "presigned: the bucket may be private";
    EXPECT_EQ(FetchUrl(*server, url).first, 200);
  }
  EXPECT_EQ(ZipEntries(*server, made.body["zip_url"]).size(), 3u);

  Reply regen = PostJson(*client, "/regenerate-image", {{"zip_url", made.body["zip_url"]}, {"prompt_index", 1}});
  ASSERT_EQ(regen.status, 200) << regen.body.dump();
  EXPECT_NE(regen.body["gen_images"][1]["image_url"], made.body["gen_images"][1]["image_url"]);
  EXPECT_EQ(ZipEntries(*server, regen.body["zip_url"]).size(), 3u);

  // The same object in a bucket that is not configured is refused.
  std::string other = original;
  other.replace(other.find("blyskimg."), 9, "otherimg.");
  Reply outside = PostJson(*client, "/generate-images", {{"s3_urls", other}, {"product_type", "earring"}});
  EXPECT_EQ(outside.status, 422) << outside.body.dump();
}

}  // namespace
}  // namespace iris::testing
