// Per-request cost of the two storage backends on the paths a request or a job item takes
// (docs/scale-out.md, "Overhead"): iris.db (SQLite, WAL, one writer) against PostgreSQL (a real
// server this benchmark starts in a temp dir on a Unix socket, fsync off like the tests -- or the one
// IRIS_TEST_POSTGRES_URL names). Both run in the same process, one after the other.
//
//   job_item:   ClaimNextItem + Complete of one item (what a worker does per item)
//   job_create: Create of a 10-item job (what POST /embeddings/generate-batch does)
//   job_get:    Get of a job (GET /tasks/{id})
//   cache_hit:  ResultCache::Get of a stored key (an analysis answered from the cache)
//   cache_put:  ResultCache::Put of a 2 KB value (after a computed analysis)
//   signature_put:      SignatureStore::Put of one image item's duplicate signature (1.3 KB resident tier,
//                       12 KB cold tier, as PUT /v1/collections/{name}/items/{id} stores)
//   duplicate_catch_up: what a duplicate check adds for the change feed when nothing changed
//                       (SignatureStore::ChangesSince; SQLite has no feed and answers at once)
//   classifier_get:     ClassifierCache::Get of a loaded classifier, what each `classify` task adds: a
//                       stat of best_models.json (folder; label "sqlite" = the embedded default) or one
//                       query of classifier_best's revision (PostgreSQL)
//
//   build/bench/iris_storage_backend_benchmark [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "classify/folder_classifier_store.h"
#include "classify/postgres_classifier_store.h"
#include "dedup/postgres_signature_store.h"
#include "dedup/sqlite_signature_store.h"
#include "jobs/postgres_job_store.h"
#include "jobs/sqlite_job_store.h"
#include "store/postgres_cache_table.h"
#include "store/result_cache.h"
#include "support/postgres_process.h"
#include "support/temp_dir.h"

namespace iris {
namespace {

// One SQLite file and one PostgreSQL database for the whole run.
struct Backends {
  Backends() {
    auto db = Database::Open(dir.path() / "iris.db");
    if (!db.ok()) throw std::runtime_error(db.status().ToString());
    sqlite = std::move(db).value();
    server = testing::PostgresProcess::Start();
    if (!server) throw std::runtime_error(testing::PostgresProcess::NotInstalledMessage());
    auto pg = PostgresDatabase::Open(server->CreateDatabase());
    if (!pg.ok()) throw std::runtime_error(pg.status().ToString());
    postgres = std::move(pg).value();
  }
  testing::TempDir dir;
  std::unique_ptr<Database> sqlite;
  std::unique_ptr<testing::PostgresProcess> server;
  std::unique_ptr<PostgresDatabase> postgres;
};

Backends& Shared() {
  static Backends backends;
  return backends;
}

std::unique_ptr<JobStore> Jobs(bool postgres) {
  if (postgres) return std::make_unique<PostgresJobStore>(*Shared().postgres);
  return std::make_unique<SqliteJobStore>(*Shared().sqlite);
}

std::unique_ptr<ResultCache> Cache(bool postgres) {
  if (postgres) return std::make_unique<ResultCache>(std::make_unique<PostgresCacheTable>(*Shared().postgres));
  return std::make_unique<ResultCache>(*Shared().sqlite);
}

void Check(const Status& status) {
  if (!status.ok()) throw std::runtime_error(status.ToString());
}

void BM_JobItem(benchmark::State& state) {
  const bool postgres = state.range(0) != 0;
  auto store = Jobs(postgres);
  const std::string kind = postgres ? "bench-pg" : "bench-sqlite";
  std::vector<std::string> items(200'000);
  for (std::size_t i = 0; i < items.size(); ++i) items[i] = std::to_string(i);
  Check(store->Create({kind, {}, items}).status());
  for (auto _ : state) {
    auto claimed = store->ClaimNextItem("bench", {kind}, 0);
    Check(claimed.status());
    if (!claimed->has_value()) throw std::runtime_error("ran out of items");
    Check(store->Complete("bench", **claimed, ItemOutcome{}).status());
  }
  state.SetLabel(postgres ? "postgres" : "sqlite");
}

void BM_JobCreate(benchmark::State& state) {
  const bool postgres = state.range(0) != 0;
  auto store = Jobs(postgres);
  const std::vector<std::string> items = {"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"};
  for (auto _ : state) Check(store->Create({"bench-create", {{"batch", true}}, items}).status());
  state.SetLabel(postgres ? "postgres" : "sqlite");
}

void BM_JobGet(benchmark::State& state) {
  const bool postgres = state.range(0) != 0;
  auto store = Jobs(postgres);
  auto id = store->Create({"bench-get", {}, {"a", "b", "c"}});
  Check(id.status());
  for (auto _ : state) Check(store->Get(*id).status());
  state.SetLabel(postgres ? "postgres" : "sqlite");
}

void BM_CacheHit(benchmark::State& state) {
  const bool postgres = state.range(0) != 0;
  auto cache = Cache(postgres);
  const CacheKey key = CacheKey::Make(std::string(64, 'c'), "dominant_colors", {{"k", 5}}, "v1");
  Check(cache->Put(key, std::string(2048, 'v')));
  for (auto _ : state) {
    auto got = cache->Get(key);
    Check(got.status());
    if (!got->has_value()) throw std::runtime_error("cache miss");
  }
  state.SetLabel(postgres ? "postgres" : "sqlite");
}

void BM_CachePut(benchmark::State& state) {
  const bool postgres = state.range(0) != 0;
  auto cache = Cache(postgres);
  const std::string value(2048, 'v');
  int i = 0;
  for (auto _ : state) {
    Check(cache->Put(CacheKey::Make(std::string(64, 'd'), "dominant_colors", {{"i", i++}}, "v1"), value));
  }
  state.SetLabel(postgres ? "postgres" : "sqlite");
}

std::unique_ptr<SignatureStore> Signatures(bool postgres) {
  if (postgres) return std::make_unique<PostgresSignatureStore>(*Shared().postgres);
  return std::make_unique<SqliteSignatureStore>(*Shared().sqlite);
}

// A signature of the sizes real photos have (docs/duplicates.md): 300 vote keys and a 512-d embedding
// resident, 12 KB cold.
StoredSignature TypicalSignature() {
  StoredSignature s;
  s.resident.phash = 0x0123456789abcdefULL;
  s.resident.trimmed_phash = 0xfedcba9876543210ULL;
  for (std::uint32_t k = 0; k < 300; ++k) s.resident.vote_keys.push_back(k * 7919u);
  s.resident.embedding.assign(512, 0.04f);
  s.cold.assign(12 * 1024, 'c');
  return s;
}

void BM_SignaturePut(benchmark::State& state) {
  const bool postgres = state.range(0) != 0;
  auto store = Signatures(postgres);
  const StoredSignature signature = TypicalSignature();
  int i = 0;
  for (auto _ : state) {
    std::string id = "item-";
    id += std::to_string(i++);
    Check(store->Put("bench", id, signature));
  }
  state.SetLabel(postgres ? "postgres" : "sqlite");
}

void BM_DuplicateCatchUp(benchmark::State& state) {
  const bool postgres = state.range(0) != 0;
  auto store = Signatures(postgres);
  Check(store->Put("catch-up", "x", TypicalSignature()));
  std::uint64_t last = 0;
  auto loaded = store->LoadAll("catch-up", [](std::string, ResidentSignature) {});
  Check(loaded.status());
  last = loaded->sequence;
  for (auto _ : state) {
    auto changes = store->ChangesSince("catch-up", last);
    Check(changes.status());
    if (!changes->empty()) throw std::runtime_error("unexpected changes");
  }
  state.SetLabel(postgres ? "postgres" : "sqlite");
}

void BM_ClassifierGet(benchmark::State& state) {
  const bool postgres = state.range(0) != 0;
  std::shared_ptr<ClassifierStore> store =
      postgres ? std::shared_ptr<ClassifierStore>(std::make_shared<PostgresClassifierStore>(*Shared().postgres))
               : std::make_shared<FolderClassifierStore>(Shared().dir.path() / "classifiers");
  Classifier c;
  c.collection_id = "bench";
  c.embedding_model = "clip-vit-b-32";
  c.model.weights.assign(512, 0.01);
  Check(store->Save(c).status());
  LabeledEmbeddings test{"clip-vit-b-32", {std::vector<float>(512, 0.1f), std::vector<float>(512, -0.1f)}, {1, 0}};
  Check(store->BakeOff("bench", test).status());
  ClassifierCache cache(store);
  for (auto _ : state) {
    auto got = cache.Get("bench");
    Check(got.status());
    benchmark::DoNotOptimize(got->get());
  }
  state.SetLabel(postgres ? "postgres" : "sqlite");
}

BENCHMARK(BM_JobItem)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_JobCreate)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_JobGet)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_CacheHit)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_CachePut)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_SignaturePut)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_DuplicateCatchUp)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_ClassifierGet)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace iris

BENCHMARK_MAIN();
