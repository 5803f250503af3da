// Job throughput of real `iris serve` processes (docs/scale-out.md, "Throughput"): one process on
// iris.db, one on PostgreSQL, and three sharing PostgreSQL, each working the same generate-batch of
// product photos served by a local fake catalog (real CC0 clothing photos, clip-standin-colors
// embeddings). Prints items per second for each, measured in one run, side by side.
//
//   build/bench/iris_scale_out_throughput [--products N] [--workers W]
#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "support/fake_catalog_server.h"
#include "support/postgres_process.h"
#include "support/server_process.h"
#include "support/shared_data.h"

namespace iris::testing {
namespace {

double RunBatch(std::vector<std::unique_ptr<ServerProcess>>& servers, int products) {
  std::string ids = "[";
  for (int i = 1; i <= products; ++i) {
    if (i > 1) ids += ',';
    ids += std::to_string(i);
  }
  ids += "]";
  auto client = servers[0]->Client();
  const auto start = std::chrono::steady_clock::now();
  auto queued = client->Post("/embeddings/generate-batch", "{\"product_ids\": " + ids + "}", "application/json");
  if (!queued || queued->status != 200) throw std::runtime_error("generate-batch refused");
  const std::string task_id = nlohmann::json::parse(queued->body)["task_id"];
  while (true) {
    auto res = client->Get(("/tasks/" + task_id).c_str());
    if (res && res->status == 200) {
      const auto task = nlohmann::json::parse(res->body);
      if (task["status"] == "succeeded") break;
      if (task["status"] == "failed" || task["status"] == "cancelled") throw std::runtime_error(res->body);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return products / seconds;
}

std::vector<std::string> Args(const FakeCatalogServer& catalog, int workers, const std::string& url) {
  std::vector<std::string> args = {
      "--local-models",       "colors=" + RequireShared("models/clip-standin-colors").string(),
      "--default-clip-model", "colors",
      "--products-image-url", catalog.image_url_template(),
      "--job-workers",        std::to_string(workers),
      "--log-level",          "warn"};
  if (!url.empty()) {
    args.push_back("--database-url");
    args.push_back(url);
  }
  return args;
}

int Main(int argc, char** argv) {
  int products = 120, workers = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--products")) products = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--workers")) workers = std::atoi(argv[i + 1]);
  }
  FakeCatalogServer catalog;
  const char* categories[] = {"dress", "hat", "pants", "shoes", "shirt", "skirt", "shorts", "outwear"};
  for (int i = 0; i < products; ++i) catalog.AddProduct(i + 1, ClothingPhotoBytes(categories[i % 8], (i / 8) % 10));
  auto postgres = PostgresProcess::Start();
  if (!postgres) throw std::runtime_error(PostgresProcess::NotInstalledMessage());

  struct Scenario {
    const char* name;
    int processes;
    bool postgres;
  };
  std::printf("%d products, %d workers per process, %u cores\n", products, workers,
              std::thread::hardware_concurrency());
  for (const Scenario& s : {Scenario{"1 process, iris.db", 1, false}, Scenario{"1 process, PostgreSQL", 1, true},
                            Scenario{"3 processes, PostgreSQL", 3, true}}) {
    const std::string url = s.postgres ? postgres->CreateDatabase() : "";
    std::vector<std::unique_ptr<ServerProcess>> servers;
    for (int p = 0; p < s.processes; ++p) {
      ServerOptions options;
      options.extra_args = Args(catalog, workers, url);
      servers.push_back(ServerProcess::Start(options));
    }
    RunBatch(servers, 8);  // warm-up: models loaded in every process that takes an item
    const double rate = RunBatch(servers, products);
    std::printf("%-26s %7.1f items/s\n", s.name, rate);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace
}  // namespace iris::testing

int main(int argc, char** argv) { return iris::testing::Main(argc, argv); }
