// End-to-end: the bounds that keep a hostile client from exhausting the server: the number of
// collections (collections.max_collections), the job backlog (jobs.max_pending_items), and what the
// server says when it has run out of file descriptors (/readyz failing, 503 instead of 500, no
// half-made collection left behind).
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/resource.h>

#include <filesystem>
#include <set>
#include <string>
#include <thread>

#include "core/hash.h"
#include "e2e_http.h"
#include "image/test_images.h"
#include "support/fake_catalog_server.h"
#include "support/shared_data.h"

namespace iris::testing {
namespace {

std::pair<int, nlohmann::json> Post(httplib::Client& client, const std::string& path, const nlohmann::json& body) {
  auto res = client.Post(path.c_str(), body.dump(), "application/json");
  if (!res) return {-1, nullptr};
  return {res->status, ParseJson(res->body)};
}

std::pair<int, nlohmann::json> Upload(httplib::Client& client, const std::string& bytes) {
  httplib::MultipartFormDataItems items = {{"file", bytes, "photo.jpg", "image/jpeg"}};
  auto res = client.Post("/v1/images", items);
  if (!res) return {-1, nullptr};
  return {res->status, ParseJson(res->body)};
}

nlohmann::json ExternalCollection(const std::string& name) {
  return {{"name", name}, {"model", "external"}, {"dim", 4}, {"metric", "l2"}};
}

std::string Detail(const nlohmann::json& body) {
  return body.is_object() && body.contains("detail") && body["detail"].is_string() ? body["detail"].get<std::string>()
                                                                                   : body.dump();
}

TEST(ResourceBoundsE2eTest, CollectionsStopAtTheirBoundAndUploadsStillWork) {
  auto server = ServerProcess::Start(ServeWith({"--max-collections", "3"}));
  auto client = server->Client();
  for (const char* name : {"a", "b", "c"}) {
    auto [status, body] = Post(*client, "/v1/collections", ExternalCollection(name));
    EXPECT_EQ(status, 201) << body.dump();
  }
  auto res = client->Post("/v1/collections", ExternalCollection("d").dump(), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 429) << res->body;
  EXPECT_NE(Detail(ParseJson(res->body)).find("collections.max_collections"), std::string::npos) << res->body;
  EXPECT_TRUE(res->has_header("Retry-After"));
  EXPECT_FALSE(std::filesystem::exists(server->data_dir() / "collections" / "d"));

  // The server still stores uploads.
  const std::string photo = SolidJpeg(10, 200, 30);
  auto [uploaded, stored] = Upload(*client, photo);
  EXPECT_EQ(uploaded, 200) << stored.dump();
  EXPECT_EQ(stored.value("sha256", ""), Sha256Hex(photo));

  // Dropping one makes room.
  auto dropped = client->Delete("/v1/collections/a");
  ASSERT_TRUE(dropped);
  EXPECT_EQ(dropped->status, 200) << dropped->body;
  EXPECT_EQ(Post(*client, "/v1/collections", ExternalCollection("d")).first, 201);
}

TEST(ResourceBoundsE2eTest, GenerateBatchStopsAtThePendingItemsBound) {
  FakeCatalogServer catalog;
  catalog.set_image_delay_ms(3000);  // items stay unfinished while the test submits
  auto server = ServerProcess::Start(
      ServeWith({"--local-models", "colors=" + RequireShared("models/clip-standin-colors").string(),
                 "--default-clip-model", "colors", "--products-image-url", catalog.image_url_template(),
                 "--job-workers", "1", "--job-max-pending-items", "25"}));
  auto client = server->Client();
  int accepted = 0;
  int refused = 0;
  for (int call = 0; call < 10; ++call) {
    nlohmann::json ids = nlohmann::json::array();
    for (int i = 0; i < 10; ++i) ids.push_back(call * 10 + i + 1);
    auto res =
        client->Post("/embeddings/generate-batch", nlohmann::json{{"product_ids", ids}}.dump(), "application/json");
    ASSERT_TRUE(res);
    if (res->status == 200) {
      ++accepted;
    } else {
      ++refused;
      EXPECT_EQ(res->status, 429) << res->body;
      EXPECT_NE(Detail(ParseJson(res->body)).find("jobs.max_pending_items"), std::string::npos) << res->body;
    }
  }
  // 10 + 10 fit under 25; a third batch fits only after 5 items ended, and each takes 3 s.
  EXPECT_EQ(accepted, 2);
  EXPECT_EQ(refused, 8);
  auto metrics = client->Get("/metrics");
  ASSERT_TRUE(metrics);
  auto pending = MetricValue(metrics->body, "iris_job_items_pending");
  ASSERT_TRUE(pending.has_value()) << metrics->body;
  EXPECT_LE(*pending, 25.0);

  // One batch larger than the whole bound can never be queued: 422, not "retry later".
  nlohmann::json many = nlohmann::json::array();
  for (int i = 0; i < 30; ++i) many.push_back(1000 + i);
  auto [status, body] = Post(*client, "/embeddings/generate-batch", {{"product_ids", many}});
  EXPECT_EQ(status, 422) << body.dump();
  EXPECT_NE(Detail(body).find("jobs.max_pending_items"), std::string::npos) << body.dump();
}

// Sets the server's open-file limit so that no new descriptor can be opened (the lowest free
// descriptor number), or restores `restore`.
rlimit LimitOpenFiles(int pid, std::optional<rlimit> restore = std::nullopt) {
  rlimit old{};
  rlimit limit{};
  if (restore) {
    limit = *restore;
  } else {
    // Wait until the server's descriptors settle (connections of the start-up probes may still be
    // closing on a loaded machine): a descriptor closed after the limit is set would leave a hole
    // below it that the server could use.
    auto open_fds = [pid] {
      std::set<long> fds;
      for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
        fds.insert(std::stol(entry.path().filename().string()));
      }
      return fds;
    };
    std::set<long> open = open_fds();
    for (int i = 0; i < 50; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      std::set<long> again = open_fds();
      if (again == open) break;
      open = std::move(again);
    }
    long lowest_free = 0;
    while (open.contains(lowest_free)) ++lowest_free;
    EXPECT_EQ(::prlimit(pid, RLIMIT_NOFILE, nullptr, &limit), 0);
    limit.rlim_cur = static_cast<rlim_t>(lowest_free);
  }
  EXPECT_EQ(::prlimit(pid, RLIMIT_NOFILE, &limit, &old), 0) << std::strerror(errno);
  return old;
}

TEST(ResourceBoundsE2eTest, AServerOutOfFileDescriptorsIsNotReadyAndSaysSo) {
  auto server = ServerProcess::Start(ServeWith({"--keep-alive-timeout", "60"}));
  auto client = server->Client();
  client->set_keep_alive(true);  // the one connection the server can still read from
  auto ready = client->Get("/readyz");
  ASSERT_TRUE(ready);
  ASSERT_EQ(ready->status, 200) << ready->body;

  const rlimit original = LimitOpenFiles(server->pid());
  auto not_ready = client->Get("/readyz");
  auto upload =
      client->Post("/v1/images", httplib::MultipartFormDataItems{{"file", SolidJpeg(1, 2, 3), "a.jpg", "image/jpeg"}});
  auto create = client->Post("/v1/collections", ExternalCollection("late").dump(), "application/json");
  LimitOpenFiles(server->pid(), original);

  ASSERT_TRUE(not_ready);
  EXPECT_EQ(not_ready->status, 503) << not_ready->body;
  auto report = ParseJson(not_ready->body);
  EXPECT_EQ(report["checks"]["storage"]["status"], "failing") << not_ready->body;
  EXPECT_NE(report["checks"]["storage"].value("detail", "").find("too many open files"), std::string::npos)
      << not_ready->body;

  ASSERT_TRUE(upload) << "no answer to the upload; server log:\n" << server->Logs();
  EXPECT_EQ(upload->status, 503) << upload->body;
  EXPECT_NE(Detail(ParseJson(upload->body)).find("too many open files"), std::string::npos) << upload->body;

  ASSERT_TRUE(create);
  EXPECT_EQ(create->status, 503) << create->body;
  EXPECT_FALSE(std::filesystem::exists(server->data_dir() / "collections" / "late"));

  // With descriptors back, everything works again.
  ready = client->Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200) << ready->body;
  EXPECT_EQ(Upload(*client, SolidJpeg(1, 2, 3)).first, 200);
  EXPECT_EQ(Post(*client, "/v1/collections", ExternalCollection("late")).first, 201);
}

}  // namespace
}  // namespace iris::testing
