// End-to-end: several `iris serve` processes sharing one job queue in a real PostgreSQL server
// (started by the test on a Unix socket in a temp dir; support/postgres_process.h), as
// docs/scale-out.md describes. A product batch job submitted to one process is worked by all three;
// SIGKILL of a process holding an item hands that item to another; no item is done twice or lost.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include "e2e_http.h"
#include "support/fake_catalog_server.h"
#include "support/postgres_process.h"
#include "support/shared_data.h"

namespace iris::testing {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<PostgresProcess> StartPostgresOrFail() {
  auto server = PostgresProcess::Start();
  if (!server) throw std::runtime_error(PostgresProcess::NotInstalledMessage());
  return server;
}

std::vector<std::string> SharedQueueArgs(const FakeCatalogServer& catalog, const std::string& database_url) {
  return {"--local-models",       "colors=" + RequireShared("models/clip-standin-colors").string(),
          "--default-clip-model", "colors",
          "--products-image-url", catalog.image_url_template(),
          "--products-list-url",  catalog.list_url(),
          "--database-url",       database_url,
          "--job-workers",        "1",
          "--job-lease",          "2"};
}

nlohmann::json GetJson(httplib::Client& client, const std::string& path) {
  auto res = client.Get(path.c_str());
  if (!res) return nullptr;
  return ParseJson(res->body);
}

// One row per item: seq|state|attempts|worked_by.
std::vector<std::string> ItemRows(const std::string& url, const std::string& task_id) {
  return PostgresProcess::Query(url,
                                "SELECT seq, state, attempts, COALESCE(worked_by, '') FROM job_items WHERE "
                                "task_id = '" +
                                    task_id + "' ORDER BY seq");
}

std::vector<std::string> Split(const std::string& row) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t bar; (bar = row.find('|', start)) != std::string::npos; start = bar + 1) {
    parts.push_back(row.substr(start, bar - start));
  }
  parts.push_back(row.substr(start));
  return parts;
}

TEST(ScaleOutE2eTest, ThreeProcessesShareAJobAndAKilledProcessesItemIsFinishedByAnother) {
  auto postgres = StartPostgresOrFail();
  const std::string url = postgres->CreateDatabase();
  FakeCatalogServer catalog;
  const char* categories[] = {"dress", "hat", "pants", "shoes", "shirt", "skirt"};
  constexpr int kProducts = 36;
  for (int i = 0; i < kProducts; ++i) catalog.AddProduct(i + 1, ClothingPhotoBytes(categories[i % 6], i / 6));
  catalog.set_image_delay_ms(250);  // an item takes a while: the kill finds one in flight

  std::vector<std::unique_ptr<ServerProcess>> servers;
  for (int s = 0; s < 3; ++s) servers.push_back(ServerProcess::Start(ServeWith(SharedQueueArgs(catalog, url))));
  // Each process's job runner registered itself: pid -> runner id.
  std::map<int, std::string> runner_of_pid;
  for (const std::string& row : PostgresProcess::Query(url, "SELECT pid, runner_id FROM job_runners")) {
    const auto parts = Split(row);
    runner_of_pid[std::stoi(parts[0])] = parts[1];
  }
  ASSERT_EQ(runner_of_pid.size(), 3u);
  for (const auto& server : servers) ASSERT_TRUE(runner_of_pid.count(server->pid())) << server->pid();

  std::string ids = "[";
  for (int i = 1; i <= kProducts; ++i) {
    if (i > 1) ids += ',';
    ids += std::to_string(i);
  }
  ids += "]";
  auto client0 = servers[0]->Client();
  auto queued = client0->Post("/embeddings/generate-batch", "{\"product_ids\": " + ids + "}", "application/json");
  ASSERT_TRUE(queued && queued->status == 200) << (queued ? queued->body : "no answer");
  const std::string task_id = ParseJson(queued->body)["task_id"];

  // Wait until every process has finished at least one item, then kill one that holds an item now.
  const auto deadline = std::chrono::steady_clock::now() + 90s;
  std::set<std::string> workers_seen;
  while (workers_seen.size() < 3) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "not every process took work";
    for (const std::string& row : ItemRows(url, task_id)) {
      const auto parts = Split(row);
      if (parts[1] == "done") workers_seen.insert(parts[3]);
    }
    std::this_thread::sleep_for(20ms);
  }
  int victim_pid = -1;
  std::string victim_seq;
  while (victim_pid < 0) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "no item in flight to kill";
    const auto held = PostgresProcess::Query(
        url, "SELECT r.pid, i.seq FROM job_items i JOIN job_runners r ON r.runner_id = i.owner WHERE i.task_id = '" +
                 task_id + "' AND i.state = 'running' LIMIT 1");
    if (!held.empty()) {
      const auto parts = Split(held[0]);
      victim_pid = std::stoi(parts[0]);
      victim_seq = parts[1];
    }
  }
  ServerProcess* victim = nullptr;
  for (auto& server : servers) {
    if (server->pid() == victim_pid) victim = server.get();
  }
  ASSERT_NE(victim, nullptr);
  victim->Signal(SIGKILL);
  ASSERT_TRUE(victim->Wait(10s).has_value());
  ServerProcess* survivor = victim == servers[0].get() ? servers[1].get() : servers[0].get();
  auto survivor_client = survivor->Client();

  // A surviving process reports the end; so does the other one (one shared queue).
  nlohmann::json task;
  while (true) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << task.dump();
    task = GetJson(*survivor_client, "/tasks/" + task_id);
    if (task.is_object() && task["status"] != "queued" && task["status"] != "running") break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(task["status"], "succeeded") << task.dump();
  EXPECT_EQ(task["progress"], nlohmann::json({{"done", kProducts}, {"total", kProducts}}));
  EXPECT_EQ(task["errors"].size(), 0u);
  for (auto& server : servers) {
    if (server.get() == victim || server.get() == survivor) continue;
    auto other = server->Client();
    EXPECT_EQ(GetJson(*other, "/tasks/" + task_id)["progress"], task["progress"]);
  }

  // Every item done exactly once; only the killed process's item took a second attempt, by a survivor.
  const auto rows = ItemRows(url, task_id);
  ASSERT_EQ(rows.size(), static_cast<std::size_t>(kProducts));
  const std::string victim_runner = runner_of_pid[victim_pid];
  int retried = 0;
  for (const std::string& row : rows) {
    const auto parts = Split(row);
    EXPECT_EQ(parts[1], "done") << row;
    if (parts[0] == victim_seq) {
      EXPECT_EQ(parts[2], "2") << "the killed process's item runs once more: " << row;
      EXPECT_NE(parts[3], victim_runner) << row;
    }
    if (parts[2] != "1") ++retried;
  }
  EXPECT_LE(retried, 1);  // one worker per process: it held one item when it died
  int image_requests = 0;
  for (int id = 1; id <= kProducts; ++id) {
    EXPECT_GE(catalog.ImageRequests(id), 1) << id;
    EXPECT_LE(catalog.ImageRequests(id), 2) << id;
    image_requests += catalog.ImageRequests(id);
  }
  EXPECT_LE(image_requests, kProducts + 1);
  // The killed runner's in-flight item went back through recovery, counted on the job.
  EXPECT_EQ(PostgresProcess::Query(url, "SELECT recoveries FROM jobs WHERE task_id = '" + task_id + "'"),
            std::vector<std::string>{"1"});
}

TEST(ScaleOutE2eTest, AnUnreachableOrMalformedDatabaseUrlStopsStartUpWithAClearErrorAndNoPassword) {
  TempDir dir;
  // Port 1 on loopback: nothing listens, the connection is refused at once.
  auto refused = RunCommand(IrisBinary() + " serve --port 0 --data-dir " + dir.path().string() +
                            " --database-url 'postgresql://iris:topsecret@127.0.0.1:1/iris?connect_timeout=2'");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.output.find("storage.database_url"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("cannot connect"), std::string::npos) << refused.output;
  EXPECT_EQ(refused.output.find("topsecret"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("iris:***@127.0.0.1:1"), std::string::npos) << refused.output;

  auto malformed = RunCommand(IrisBinary() + " serve --port 0 --data-dir " + dir.path().string() +
                              " --database-url mysql://db/iris");
  EXPECT_NE(malformed.exit_code, 0);
  EXPECT_NE(malformed.output.find("storage.database_url must be empty or a postgresql:// URL"), std::string::npos)
      << malformed.output;

  auto shown = RunCommand(IrisBinary() + " config --database-url 'postgresql://iris:topsecret@db:5432/iris'");
  EXPECT_EQ(shown.exit_code, 0) << shown.output;
  EXPECT_NE(shown.output.find("database_url = 'postgresql://iris:***@db:5432/iris'"), std::string::npos)
      << shown.output;
  EXPECT_EQ(shown.output.find("topsecret"), std::string::npos) << shown.output;
}

TEST(ScaleOutE2eTest, ProcessesStartingTogetherMigrateTheSharedDatabaseOnceAndSeeEachOthersJobs) {
  auto postgres = StartPostgresOrFail();
  const std::string url = postgres->CreateDatabase();
  FakeCatalogServer catalog;
  catalog.AddProduct(1, ClothingPhotoBytes("dress", 0));
  catalog.AddProduct(2, ClothingPhotoBytes("hat", 0));
  std::vector<std::thread> starters;
  std::vector<std::unique_ptr<ServerProcess>> servers(3);
  std::vector<std::string> errors(3);
  for (int s = 0; s < 3; ++s) {
    starters.emplace_back([&, s] {
      try {
        servers[s] = ServerProcess::Start(ServeWith(SharedQueueArgs(catalog, url)));
      } catch (const std::exception& e) {
        errors[s] = e.what();
      }
    });
  }
  for (auto& t : starters) t.join();
  for (int s = 0; s < 3; ++s) ASSERT_NE(servers[s], nullptr) << errors[s];
  EXPECT_EQ(PostgresProcess::Query(url, "SELECT version, name FROM iris_schema_migrations ORDER BY version"),
            (std::vector<std::string>{"1|jobs", "2|result_cache", "3|api_keys", "4|duplicate_signatures", "5|blobs",
                                      "6|classifiers"}));

  // A job created through one process is seen, and its end reported, by another.
  auto a = servers[0]->Client();
  auto b = servers[2]->Client();
  auto created = a->Post("/embeddings/generate-batch", R"({"product_ids": [1, 2]})", "application/json");
  ASSERT_TRUE(created && created->status == 200) << (created ? created->body : "no answer");
  const std::string task_id = ParseJson(created->body)["task_id"];
  nlohmann::json task;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (true) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << task.dump();
    task = GetJson(*b, "/tasks/" + task_id);
    if (task.is_object() && task["status"] == "succeeded") break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(task["progress"], nlohmann::json({{"done", 2}, {"total", 2}}));
  const nlohmann::json listed = GetJson(*servers[1]->Client(), "/tasks?limit=5");
  ASSERT_EQ(listed["tasks"].size(), 1u) << listed.dump();
  EXPECT_EQ(listed["tasks"][0]["task_id"], task_id);

  // The result cache is shared too: an analysis computed by one process is a hit in another.
  const httplib::MultipartFormDataItems form = {
      {"image_file", ClothingPhotoBytes("shoes", 0), "shoes.jpg", "image/jpeg"},
      {"tasks_json", R"([{"operation_id": "c", "type": "dominant_colors"}])", "", ""}};
  auto computed = a->Post("/analyze_image_upload/", form);
  ASSERT_TRUE(computed && computed->status == 200) << (computed ? computed->body : "no answer");
  auto c = servers[1]->Client();
  auto again = c->Post("/analyze_image_upload/", form);
  ASSERT_TRUE(again && again->status == 200) << (again ? again->body : "no answer");
  ASSERT_FALSE(ParseJson(computed->body)["results"].empty()) << computed->body;
  EXPECT_EQ(ParseJson(again->body)["results"], ParseJson(computed->body)["results"]);
  auto metrics = c->Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("iris_cache_hits_total 1"), std::string::npos) << metrics->body.substr(0, 2000);
  auto ready = c->Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200) << ready->body;
  EXPECT_EQ(ParseJson(ready->body)["checks"]["shared_database"]["status"], "ok") << ready->body;

  // The database goes away: the processes stay up, say so on /readyz and answer 503 JSON errors.
  postgres.reset();
  ready = c->Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503) << ready->body;
  EXPECT_EQ(ParseJson(ready->body)["checks"]["shared_database"]["status"], "failing") << ready->body;
  auto lost = c->Get(("/tasks/" + task_id).c_str());
  ASSERT_TRUE(lost);
  EXPECT_EQ(lost->status, 503) << lost->body;
  EXPECT_TRUE(ParseJson(lost->body).is_object()) << lost->body;
  auto still = c->Post("/analyze_image_upload/", form);  // the cache is skipped, the work still done
  ASSERT_TRUE(still);
  EXPECT_EQ(still->status, 200) << still->body;
  for (auto& server : servers) EXPECT_TRUE(server->Running());
}

TEST(ScaleOutE2eTest, AnApiKeyCreatedOnceWorksOnEveryProcessAndItsRevokeReachesThemAll) {
  auto postgres = StartPostgresOrFail();
  const std::string url = postgres->CreateDatabase();
  std::vector<std::unique_ptr<ServerProcess>> servers;
  for (int s = 0; s < 2; ++s) {
    servers.push_back(ServerProcess::Start(ServeWith({"--database-url", url, "--auth", "required"})));
  }
  const CreatedKey created = CreateKeyWith("--name shared --log-level warn --database-url '" + url + "'");
  ASSERT_FALSE(created.text.empty());
  const std::string& key = created.text;
  const std::string& id = created.id;
  for (auto& server : servers) {
    auto client = server->Client();
    EXPECT_EQ(client->Get("/tasks?limit=1")->status, 401);
    client->set_bearer_token_auth(key);
    EXPECT_EQ(client->Get("/tasks?limit=1")->status, 200);
  }
  auto listed = RunCommand(IrisBinary() + " keys list --json --log-level warn --database-url '" + url + "'");
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_NE(listed.output.find(id), std::string::npos) << listed.output;

  auto revoked = RunCommand(IrisBinary() + " keys revoke " + id + " --log-level warn --database-url '" + url + "'");
  ASSERT_EQ(revoked.exit_code, 0) << revoked.output;
  for (auto& server : servers) {
    auto client = server->Client();
    client->set_bearer_token_auth(key);
    const auto deadline = std::chrono::steady_clock::now() + 20s;  // the key cache holds a record 2 s
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      status = client->Get("/tasks?limit=1")->status;
      if (status == 401) break;
      std::this_thread::sleep_for(100ms);
    }
    EXPECT_EQ(status, 401) << "process " << server->pid() << " still takes the revoked key";
  }
}

}  // namespace
}  // namespace iris::testing
