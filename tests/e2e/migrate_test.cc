// End-to-end: `iris migrate` moves the job queue, result cache, API keys and trained classifiers from a
// data dir to a real PostgreSQL server and back, a re-run copies nothing more, a tampered row fails verification, and
// the servers on either side answer GET /tasks/{id} the same.
#include <gtest/gtest.h>
#include <httplib.h>

#include "classify/folder_classifier_store.h"
#include "e2e_http.h"
#include "jobs/sqlite_job_store.h"
#include "store/result_cache.h"
#include "support/postgres_process.h"

namespace iris::testing {
namespace {

// iris.db with jobs in every state and binary cache entries, written through the real stores.
std::vector<std::string> FillSqliteDataDir(const std::filesystem::path& dir) {
  auto db = Database::Open(dir / "iris.db");
  if (!db.ok()) throw std::runtime_error(db.status().ToString());
  SqliteJobStore jobs(**db);
  std::vector<std::string> ids;
  auto must = [](auto result) {
    if (!result.ok()) throw std::runtime_error(result.status().ToString());
    return std::move(result).value();
  };
  // Finished, with a result per item and one failure.
  const std::string finished = must(jobs.Create({"k", {{"batch", {1, 2, 3}}}, {"1", "2", "3"}}));
  for (int i = 0; i < 3; ++i) {
    auto item = must(jobs.ClaimNextItem("r", {"k"}, 0));
    ItemOutcome outcome;
    if (i == 1) {
      outcome = {ItemOutcome::Kind::kFailed, "NotFound: no product 2", nullptr, 0};
    } else {
      outcome.result = {{"embedded", true}, {"dims", 512}};
    }
    must(jobs.Complete("r", *item, outcome));
  }
  ids.push_back(finished);
  // Running, with an item in flight (arrives pending), appended items and a cancel request.
  const std::string running = must(jobs.Create({"k", {}, {"page-1"}}));
  auto page = must(jobs.ClaimNextItem("r", {"k"}, 0));
  must(jobs.AppendItems("r", *page, {"a", "b"}));
  must(jobs.Complete("r", *page, ItemOutcome{}));
  must(jobs.ClaimNextItem("r", {"k"}, 0));
  ids.push_back(running);
  const std::string cancelled = must(jobs.Create({"k", {}, {"x", "y"}}));
  must(jobs.RequestCancel(cancelled));
  ids.push_back(cancelled);
  ids.push_back(must(jobs.RecordFinished({"products.delete", {{"id", "7"}}, {"7"}}, {{"deleted", 1}})));

  ResultCache cache(**db);
  for (int i = 0; i < 700; ++i) {  // more than one page of 500
    std::string value(300 + i, '\0');
    for (std::size_t b = 0; b < value.size(); ++b) value[b] = static_cast<char>((b * 31 + i) & 0xff);
    if (!cache.Put(CacheKey::Make(std::string(64, 'e'), "colors", {{"i", i}}, "v1"), value).ok()) {
      throw std::runtime_error("cache put failed");
    }
  }
  return ids;
}

// DIR/classifiers with two versions of one collection, the newer one the best.
void FillClassifiers(const std::filesystem::path& dir) {
  FolderClassifierStore store(dir / "classifiers");
  for (const char* version : {"20261201T080000Z", "20261202T080000Z"}) {
    Classifier c;
    c.collection_id = "rings";
    c.version = version;
    c.embedding_model = "clip-vit-b-32";
    c.model.weights = {0.25, -1.5, 3.0};
    c.model.bias = -0.125;
    c.metrics = {0.875, 0.75, 0.8, 16};
    if (!store.Save(c).ok()) throw std::runtime_error("classifier save failed");
  }
  if (!store.SetBest("rings", {"", "20261202T080000Z", 0.875, 0.75, 16}).ok()) {
    throw std::runtime_error("classifier index failed");
  }
}

std::map<std::string, nlohmann::json> Tasks(const ServerOptions& options, const std::vector<std::string>& ids) {
  auto server = ServerProcess::Start(options);
  auto client = server->Client();
  std::map<std::string, nlohmann::json> tasks;
  for (const std::string& id : ids) {
    auto res = client->Get(("/tasks/" + id).c_str());
    tasks[id] = res && res->status == 200 ? ParseJson(res->body) : nlohmann::json("missing");
    auto items = client->Get(("/tasks/" + id + "/items").c_str());
    tasks[id]["items_page"] = items && items->status == 200 ? ParseJson(items->body) : nlohmann::json("missing");
  }
  return tasks;
}

TEST(MigrateE2eTest, SqliteToPostgresAndBackVerifiesResumesAndCatchesTampering) {
  auto postgres = PostgresProcess::Start();
  ASSERT_NE(postgres, nullptr) << PostgresProcess::NotInstalledMessage();
  const std::string url = postgres->CreateDatabase();
  TempDir source_dir, back_dir;
  const std::vector<std::string> ids = FillSqliteDataDir(source_dir.path());
  FillClassifiers(source_dir.path());

  const std::string key_text =
      CreateKeyWith("--name ci --log-level warn --data-dir " + source_dir.path().string()).text;
  ASSERT_FALSE(key_text.empty());

  ServerOptions on_sqlite;
  on_sqlite.data_dir = source_dir.path();
  const auto before = Tasks(on_sqlite, ids);
  ASSERT_EQ(before.at(ids[0])["status"], "succeeded") << before.at(ids[0]).dump();

  auto moved =
      RunCommand(IrisBinary() + " migrate --from sqlite:" + source_dir.path().string() + " --to '" + url + "'");
  ASSERT_EQ(moved.exit_code, 0) << moved.output;
  EXPECT_NE(moved.output.find("jobs: 4 copied"), std::string::npos) << moved.output;
  EXPECT_NE(moved.output.find("job_items: 9 copied"), std::string::npos) << moved.output;
  EXPECT_NE(moved.output.find("result_cache: 700 copied"), std::string::npos) << moved.output;
  EXPECT_NE(moved.output.find("api_keys: 1 copied"), std::string::npos) << moved.output;
  EXPECT_NE(moved.output.find("verified"), std::string::npos) << moved.output;
  EXPECT_NE(moved.output.find("classifiers: 2 versions copied, 2 versions and 1 index entries"), std::string::npos)
      << moved.output;
  EXPECT_EQ(PostgresProcess::Query(url, "SELECT version FROM classifier_best WHERE collection_id = 'rings'"),
            std::vector<std::string>{"20261202T080000Z"});
  EXPECT_EQ(PostgresProcess::Query(url, "SELECT COUNT(*) FROM job_items WHERE state = 'running'"),
            std::vector<std::string>{"0"});

  // Run again (as after an interruption): nothing more to copy, still verified.
  auto again =
      RunCommand(IrisBinary() + " migrate --from sqlite:" + source_dir.path().string() + " --to '" + url + "'");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("result_cache: 0 copied, 700 rows"), std::string::npos) << again.output;
  EXPECT_NE(again.output.find("classifiers: 0 versions copied"), std::string::npos) << again.output;

  // A server on PostgreSQL answers as the one on iris.db did, but for the in-flight item now pending.
  ServerOptions on_postgres;
  on_postgres.extra_args = {"--database-url", url};
  const auto after = Tasks(on_postgres, ids);
  {  // the key made on iris.db opens a server on PostgreSQL that requires keys
    ServerOptions guarded = on_postgres;
    guarded.extra_args.push_back("--auth");
    guarded.extra_args.push_back("required");
    auto server = ServerProcess::Start(guarded);
    auto client = server->Client();
    EXPECT_EQ(client->Get("/tasks?limit=1")->status, 401);
    client->set_bearer_token_auth(key_text);
    EXPECT_EQ(client->Get("/tasks?limit=1")->status, 200) << key_text;
  }
  for (const std::string& id : ids) {
    nlohmann::json expected = before.at(id);
    for (auto& item : expected["items_page"]["items"]) {
      if (item["state"] == "running") item["state"] = "pending";
    }
    EXPECT_EQ(after.at(id), expected) << id;
  }

  // And back to a fresh data dir.
  auto back = RunCommand(IrisBinary() + " migrate --from '" + url + "' --to sqlite:" + back_dir.path().string());
  ASSERT_EQ(back.exit_code, 0) << back.output;
  ServerOptions on_back;
  on_back.data_dir = back_dir.path();
  EXPECT_EQ(Tasks(on_back, ids), after);
  auto best = FolderClassifierStore(back_dir.path() / "classifiers").LoadBest("rings");
  ASSERT_TRUE(best.ok()) << best.status().ToString();
  EXPECT_EQ((*best)->version, "20261202T080000Z");
  EXPECT_EQ((*best)->model.weights, (std::vector<double>{0.25, -1.5, 3.0}));

  // A row changed on one side is caught.
  PostgresProcess::Query(url, "UPDATE job_items SET item = 'tampered' WHERE seq = 0 AND task_id = '" + ids[0] + "'");
  auto tampered =
      RunCommand(IrisBinary() + " migrate --verify-only --from '" + url + "' --to sqlite:" + back_dir.path().string());
  EXPECT_EQ(tampered.exit_code, 1) << tampered.output;
  EXPECT_NE(tampered.output.find("job_items (9 rows vs 9, contents differ)"), std::string::npos) << tampered.output;

  auto usage = RunCommand(IrisBinary() + " migrate --from mysql://db --to sqlite:" + back_dir.path().string());
  EXPECT_EQ(usage.exit_code, 2) << usage.output;
  EXPECT_NE(usage.output.find("neither sqlite:DIR nor a postgresql:// URL"), std::string::npos) << usage.output;
}

}  // namespace
}  // namespace iris::testing
