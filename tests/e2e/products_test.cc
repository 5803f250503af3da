// End-to-end: the seed-002 product routes (/embeddings/..., /similar-products/...) and /tasks on the
// real `iris serve`, with product images and the product list served over HTTP by a local fake
// catalog (tests/support/fake_catalog_server.h) holding real CC0 clothing photos. The product
// collection uses the clip-standin-colors export (it embeds by colour), so an identical photo is the
// nearest neighbour with similarity ~1. Jobs are tested through restarts, including SIGKILL.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <thread>

#include "e2e_http.h"
#include "support/fake_catalog_server.h"
#include "support/shared_data.h"

namespace iris::testing {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> ServeArgs(const FakeCatalogServer& catalog, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {
      "--local-models",           "colors=" + RequireShared("models/clip-standin-colors").string(),
      "--default-clip-model",     "colors",
      "--products-image-url",     catalog.image_url_template(),
      "--products-list-url",      catalog.list_url(),
      "--job-backoff-initial-ms", "50",
      "--job-backoff-max-ms",     "200"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

std::pair<int, nlohmann::json> Request(httplib::Client& client, const std::string& method, const std::string& path,
                                       const std::string& body = "", const std::string& type = "application/json") {
  httplib::Result res = method == "GET"    ? client.Get(path.c_str())
                        : method == "POST" ? client.Post(path.c_str(), body, type.c_str())
                        : method == "PUT"  ? client.Put(path.c_str(), body, type.c_str())
                                           : client.Delete(path.c_str());
  if (!res) return {-1, nullptr};
  return {res->status, ParseJson(res->body)};
}

nlohmann::json Ok(std::pair<int, nlohmann::json> reply, const std::string& what) {
  EXPECT_EQ(reply.first, 200) << what << ": " << reply.second.dump();
  return reply.second;
}

std::pair<int, nlohmann::json> Upload(httplib::Client& client, const std::string& path, const std::string& bytes,
                                      const std::string& field = "image") {
  httplib::MultipartFormDataItems items = {{field, bytes, "photo.jpg", "image/jpeg"}};
  auto res = client.Post(path.c_str(), items);
  if (!res) return {-1, nullptr};
  return {res->status, ParseJson(res->body)};
}

// Polls GET /tasks/{id} until the job ends (or `timeout`).
nlohmann::json WaitForTask(httplib::Client& client, const std::string& task_id,
                           std::chrono::milliseconds timeout = 120s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  nlohmann::json task;
  while (std::chrono::steady_clock::now() < deadline) {
    auto [status, body] = Request(client, "GET", "/tasks/" + task_id);
    if (status == 200) {
      task = body;
      const std::string s = task["status"];
      if (s == "succeeded" || s == "failed" || s == "cancelled") return task;
    }
    std::this_thread::sleep_for(50ms);
  }
  ADD_FAILURE() << "task " << task_id << " did not end: " << task.dump();
  return task;
}

std::vector<nlohmann::json> SimilarIds(const nlohmann::json& body) {
  std::vector<nlohmann::json> ids;
  for (const auto& p : body["similar_products"]) ids.push_back(p["id"]);
  return ids;
}

// Sends `request` as it is on a fresh connection and returns what the server answered before
// closing, or before `timeout` passed.
std::string RawExchange(int port, const std::string& request, std::chrono::seconds timeout) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  timeval tv{static_cast<time_t>(timeout.count()), 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string reply;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size())) {
    char buffer[4096];
    for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) reply.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return reply;
}

TEST(ProductsE2eTest, TheSeedsCurlExamplesWorkAndSimilarityIsARealScore) {
  FakeCatalogServer catalog;
  catalog.AddProduct(20, ClothingPhotoBytes("dress", 0));
  catalog.AddProduct(29, ClothingPhotoBytes("dress", 0));  // the same photo under another id
  catalog.AddProduct(14, ClothingPhotoBytes("shoes", 1));
  catalog.AddProduct(7, ClothingPhotoBytes("hat", 2));
  auto server = ServerProcess::Start(ServeWith(ServeArgs(catalog)));
  auto client = server->Client();

  EXPECT_EQ(Ok(Request(*client, "GET", "/embeddings/check/20"), "check"),
            nlohmann::json({{"product_id", 20}, {"has_embedding", false}}));
  EXPECT_EQ(Ok(Request(*client, "GET", "/embeddings/count"), "count")["count"], 0);
  EXPECT_EQ(Ok(Request(*client, "GET", "/embeddings/products"), "products")["products"], nlohmann::json::array());
  EXPECT_EQ(Request(*client, "GET", "/similar-products/20").first, 404);

  // `curl -X POST URL` sends no Content-Length: the request has no body and is answered at once
  // (it used to wait for the read timeout).
  const auto started = std::chrono::steady_clock::now();
  const std::string raw = RawExchange(server->port(),
                                      "POST /embeddings/product/7 HTTP/1.1\r\nHost: localhost\r\n"
                                      "Connection: close\r\n\r\n",
                                      20s);
  EXPECT_TRUE(raw.starts_with("HTTP/1.1 200")) << raw;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  ASSERT_EQ(Request(*client, "DELETE", "/embeddings/product/7").first, 200);

  // curl -X POST /embeddings/product/20: done at once, still named by a task.
  auto stored = Ok(Request(*client, "POST", "/embeddings/product/20"), "POST product");
  EXPECT_EQ(stored["status"], "succeeded");
  EXPECT_EQ(stored["product_id"], 20);
  auto task = Ok(Request(*client, "GET", "/tasks/" + stored["task_id"].get<std::string>()), "task of POST");
  EXPECT_EQ(task["status"], "succeeded");
  EXPECT_EQ(task["progress"], nlohmann::json({{"done", 1}, {"total", 1}}));
  EXPECT_EQ(catalog.ImageRequests(20), 1);

  // generate-batch: a job; the product the catalog does not have fails with the catalog's answer.
  auto queued = Ok(Request(*client, "POST", "/embeddings/generate-batch", R"({"product_ids": [20, 29, 14, 99]})"),
                   "generate-batch");
  EXPECT_EQ(queued["status"], "queued");
  task = WaitForTask(*client, queued["task_id"]);
  EXPECT_EQ(task["status"], "succeeded") << task.dump();
  EXPECT_EQ(task["progress"], nlohmann::json({{"done", 4}, {"total", 4}}));
  ASSERT_EQ(task["errors"].size(), 1u) << task.dump();
  EXPECT_EQ(task["errors"][0]["item"], "product:99");
  EXPECT_NE(task["errors"][0]["message"].get<std::string>().find("HTTP 404"), std::string::npos) << task.dump();
  EXPECT_EQ(task["errors"][0]["attempts"], 1);  // a 404 is not retried

  EXPECT_EQ(Ok(Request(*client, "GET", "/embeddings/count"), "count")["count"], 3);  // 20 again: replaced
  EXPECT_EQ(Ok(Request(*client, "GET", "/embeddings/products"), "products")["products"], nlohmann::json({14, 20, 29}));
  EXPECT_EQ(Ok(Request(*client, "GET", "/embeddings/products?offset=1&limit=1"), "page")["products"],
            nlohmann::json({20}));
  EXPECT_TRUE(Ok(Request(*client, "GET", "/embeddings/check/29"), "check")["has_embedding"]);

  // Similar products: itself excluded, the identical photo first with a cosine of ~1, scores descending.
  auto similar = Ok(Request(*client, "GET", "/similar-products/20?top_n=10"), "similar");
  ASSERT_EQ(similar["similar_products"].size(), 2u) << similar.dump();
  EXPECT_EQ(similar["similar_products"][0]["id"], 29);
  EXPECT_GT(similar["similar_products"][0]["similarity_score"].get<double>(), 0.999);
  EXPECT_LT(similar["similar_products"][1]["similarity_score"].get<double>(),
            similar["similar_products"][0]["similarity_score"].get<double>());
  EXPECT_EQ(similar["similar_products"][0]["image_url"], catalog.image_url(29));
  for (const auto& id : SimilarIds(similar)) EXPECT_NE(id, 20);
  // The seed's folklore threshold still works (it keeps everything positive); a real one filters.
  EXPECT_EQ(Ok(Request(*client, "GET", "/similar-products/20?top_n=10&score_threshold=0.001"), "t")["similar_products"]
                .size(),
            2u);
  EXPECT_EQ(SimilarIds(Ok(Request(*client, "GET", "/similar-products/20?score_threshold=0.999"), "t")),
            std::vector<nlohmann::json>({29}));
  EXPECT_EQ(Ok(Request(*client, "GET", "/similar-products/20?top_n=1"), "t")["similar_products"].size(), 1u);

  // Upload: the shoe photo finds the shoe product first.
  auto [upload_status, uploaded] = Upload(*client, "/similar-products/upload?top_n=5", ClothingPhotoBytes("shoes", 1));
  ASSERT_EQ(upload_status, 200) << uploaded.dump();
  EXPECT_EQ(uploaded["similar_products"][0]["id"], 14);
  EXPECT_GT(uploaded["similar_products"][0]["similarity_score"].get<double>(), 0.999);

  // A product may also come with its own image (an upload), outside the catalog.
  auto [own_status, own] = Upload(*client, "/embeddings/product/SKU-hat-1", ClothingPhotoBytes("hat", 2));
  ASSERT_EQ(own_status, 200) << own.dump();
  EXPECT_EQ(own["product_id"], "SKU-hat-1");
  EXPECT_EQ(Ok(Request(*client, "GET", "/embeddings/products"), "products")["products"],
            nlohmann::json({14, 20, 29, "SKU-hat-1"}));

  // PUT replaces; DELETE removes; a second DELETE is 404.
  EXPECT_EQ(Ok(Request(*client, "PUT", "/embeddings/product/20"), "PUT")["count"], 4);
  EXPECT_EQ(Ok(Request(*client, "DELETE", "/embeddings/product/20"), "DELETE")["deleted"], true);
  EXPECT_FALSE(Ok(Request(*client, "GET", "/embeddings/check/20"), "check")["has_embedding"]);
  EXPECT_EQ(Request(*client, "DELETE", "/embeddings/product/20").first, 404);
  EXPECT_EQ(Request(*client, "GET", "/similar-products/20").first, 404);
  for (const auto& id : SimilarIds(Ok(Request(*client, "GET", "/similar-products/29"), "similar 29"))) {
    EXPECT_NE(id, 20);  // deleted products are never returned
  }

  auto openapi = Ok(Request(*client, "GET", "/openapi.json"), "openapi");
  for (const char* path :
       {"/embeddings/check/{id}", "/embeddings/products", "/embeddings/count", "/embeddings/product/{id}",
        "/embeddings/generate-batch", "/embeddings/generate-all", "/similar-products/{id}", "/similar-products/upload",
        "/tasks/{task_id}", "/v1/collections/{name}/reindex", "/v1/collections/{name}/duplicates/scan"}) {
    EXPECT_TRUE(openapi["paths"].contains(path)) << path;
  }
}

TEST(ProductsE2eTest, GenerateAllPagesThroughTheCatalogAndRetriesTransientFailures) {
  FakeCatalogServer catalog;
  const char* categories[] = {"dress", "hat", "pants", "shoes", "shirt", "skirt", "shorts"};
  for (int i = 0; i < 7; ++i) catalog.AddProduct(i + 1, ClothingPhotoBytes(categories[i], 0));
  catalog.FailImage(3, 2, 503);  // the catalog is briefly unavailable for product 3
  auto server = ServerProcess::Start(ServeWith(ServeArgs(catalog)));
  auto client = server->Client();

  auto queued = Ok(Request(*client, "POST", "/embeddings/generate-all?start_page=1&batch_size=3"), "generate-all");
  auto task = WaitForTask(*client, queued["task_id"]);
  EXPECT_EQ(task["status"], "succeeded") << task.dump();
  EXPECT_EQ(task["errors"].size(), 0u) << task.dump();
  EXPECT_EQ(task["progress"], nlohmann::json({{"done", 10}, {"total", 10}}));  // 3 pages + 7 products
  EXPECT_EQ(catalog.ImageRequests(3), 3);                                      // two 503s, then the image
  EXPECT_EQ(Ok(Request(*client, "GET", "/embeddings/products"), "products")["products"],
            nlohmann::json({1, 2, 3, 4, 5, 6, 7}));
  auto items = Ok(Request(*client, "GET", "/tasks/" + queued["task_id"].get<std::string>() + "/items?limit=3"), "i");
  ASSERT_EQ(items["items"].size(), 3u);
  EXPECT_EQ(items["items"][0]["item"], "page:1");
  EXPECT_EQ(items["items"][0]["result"]["products"], 3);

  // start_page skips the first pages.
  queued = Ok(Request(*client, "POST", "/embeddings/generate-all?start_page=3&batch_size=3"), "generate-all");
  task = WaitForTask(*client, queued["task_id"]);
  EXPECT_EQ(task["progress"], nlohmann::json({{"done", 2}, {"total", 2}})) << task.dump();  // page 3: product 7

  // Re-index fetches every product again, keeping count and metadata.
  const int before = catalog.ImageRequests(5);
  auto reindex = Ok(Request(*client, "POST", "/v1/collections/products/reindex"), "reindex");
  task = WaitForTask(*client, reindex["task_id"]);
  EXPECT_EQ(task["status"], "succeeded") << task.dump();
  EXPECT_EQ(task["progress"]["done"], 7);
  EXPECT_EQ(catalog.ImageRequests(5), before + 1);
  EXPECT_EQ(Ok(Request(*client, "GET", "/embeddings/count"), "count")["count"], 7);

  auto metrics = client->Get("/metrics");
  ASSERT_TRUE(metrics && metrics->status == 200);
  EXPECT_EQ(MetricValue(metrics->body, "iris_jobs{status=\"succeeded\"}"), std::optional<double>(3));
  EXPECT_EQ(MetricValue(metrics->body, "iris_jobs{status=\"queued\"}"), std::optional<double>(0));
  EXPECT_EQ(MetricValue(metrics->body, "iris_job_items_pending"), std::optional<double>(0));
}

TEST(ProductsE2eTest, BadInputGetsAClearJsonError) {
  FakeCatalogServer catalog;
  catalog.AddProduct(1, ClothingPhotoBytes("dress", 1));
  auto server = ServerProcess::Start(ServeWith(ServeArgs(catalog)));
  auto client = server->Client();
  const std::vector<std::tuple<std::string, std::string, std::string, int>> cases = {
      {"GET", "/embeddings/check/a%20b", "", 422},
      {"GET", "/embeddings/check/" + std::string(200, 'x'), "", 422},
      {"POST", "/embeddings/product/..", "", 422},
      {"POST", "/embeddings/product/404404", "", 400},  // the catalog answers 404
      {"POST", "/embeddings/generate-batch", "{not json", 400},
      {"POST", "/embeddings/generate-batch", "[1, 2]", 400},
      {"POST", "/embeddings/generate-batch", "{}", 422},
      {"POST", "/embeddings/generate-batch", R"({"product_ids": []})", 422},
      {"POST", "/embeddings/generate-batch", R"({"product_ids": "1,2"})", 422},
      {"POST", "/embeddings/generate-batch", R"({"product_ids": [1.5]})", 422},
      {"POST", "/embeddings/generate-batch", R"({"product_ids": [{"id": 1}]})", 422},
      {"POST", "/embeddings/generate-batch", R"({"product_ids": ["../x"]})", 422},
      {"POST", "/embeddings/generate-all?batch_size=0", "", 422},
      {"POST", "/embeddings/generate-all?batch_size=abc", "", 422},
      {"POST", "/embeddings/generate-all?start_page=-1", "", 422},
      {"GET", "/similar-products/1?top_n=0", "", 422},
      {"GET", "/similar-products/1?top_n=100000", "", 422},
      {"GET", "/similar-products/1?score_threshold=abc", "", 422},
      {"GET", "/similar-products/1?score_threshold=nan", "", 422},
      {"POST", "/similar-products/upload", "", 422},
      {"GET", "/tasks/not-a-task", "", 404},
      {"DELETE", "/tasks/not-a-task", "", 404},
      {"GET", "/tasks/not-a-task/items", "", 404},
      {"POST", "/v1/collections/nope/reindex", "", 404},
      {"POST", "/v1/collections/nope/duplicates/scan", "", 404},
  };
  for (const auto& [method, path, body, expected] : cases) {
    auto [status, reply] = Request(*client, method, path, body);
    EXPECT_EQ(status, expected) << method << " " << path << ": " << reply.dump();
    EXPECT_TRUE(reply.is_object() && reply.contains("detail")) << method << " " << path << ": " << reply.dump();
  }
  std::string too_many = R"({"product_ids": [)";
  for (int i = 0; i < 10001; ++i) too_many.append(i ? ",1" : "1");
  too_many += "]}";
  EXPECT_EQ(Request(*client, "POST", "/embeddings/generate-batch", too_many).first, 422);
  EXPECT_EQ(Upload(*client, "/similar-products/upload", "not an image at all").first, 415);
  std::string truncated = ClothingPhotoBytes("dress", 1);
  truncated.resize(truncated.size() / 3);
  EXPECT_EQ(Upload(*client, "/embeddings/product/5", truncated).first, 400);
  // A succeeded task cannot be cancelled.
  auto stored = Ok(Request(*client, "POST", "/embeddings/product/1"), "store");
  EXPECT_EQ(Request(*client, "DELETE", "/tasks/" + stored["task_id"].get<std::string>()).first, 409);
  EXPECT_EQ(Ok(Request(*client, "GET", "/embeddings/count"), "count")["count"], 1);  // nothing else was stored

  // Without a catalog configured, the routes that need it say which setting is missing.
  auto bare = ServerProcess::Start(
      ServeWith({"--local-models", "colors=" + RequireShared("models/clip-standin-colors").string(),
                 "--default-clip-model", "colors"}));
  auto bare_client = bare->Client();
  auto [status, reply] = Request(*bare_client, "POST", "/embeddings/generate-batch", R"({"product_ids": [1]})");
  EXPECT_EQ(status, 409);
  EXPECT_NE(reply["detail"].get<std::string>().find("products.image_url_template"), std::string::npos);
  std::tie(status, reply) = Request(*bare_client, "POST", "/embeddings/generate-all");
  EXPECT_EQ(status, 409);
  EXPECT_NE(reply["detail"].get<std::string>().find("products.list_url"), std::string::npos);
  // Without the embedding model, nothing is queued and the answer names the install command.
  auto no_model = ServerProcess::Start(ServeWith({"--products-image-url", catalog.image_url_template()}));
  auto no_model_client = no_model->Client();
  std::tie(status, reply) = Request(*no_model_client, "POST", "/embeddings/generate-batch", R"({"product_ids": [1]})");
  EXPECT_EQ(status, 409) << reply.dump();  // as everywhere: a model that is not installed is a server-side state
  EXPECT_NE(reply["detail"].get<std::string>().find("iris models pull"), std::string::npos) << reply.dump();
}

TEST(ProductsE2eTest, AJobSurvivesSigkillAndCanBeCancelled) {
  FakeCatalogServer catalog;
  const char* categories[] = {"dress", "hat", "pants", "shoes", "shirt", "skirt", "shorts", "outwear"};
  for (int i = 0; i < 8; ++i) catalog.AddProduct(i + 1, ClothingPhotoBytes(categories[i], 1));
  catalog.set_image_delay_ms(300);
  const std::vector<std::string> slow = {"--job-workers", "1", "--job-lease", "1"};
  auto first = ServerProcess::Start(ServeWith(ServeArgs(catalog, slow)));
  auto client = first->Client();
  auto queued = Ok(Request(*client, "POST", "/embeddings/generate-batch", R"({"product_ids": [1,2,3,4,5,6,7,8]})"),
                   "generate-batch");
  const std::string task_id = queued["task_id"];
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (Ok(Request(*client, "GET", "/tasks/" + task_id), "poll")["progress"]["done"].get<int>() < 2) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline);
    std::this_thread::sleep_for(20ms);
  }
  first->Signal(SIGKILL);
  ASSERT_TRUE(first->Wait(10s).has_value());

  ServerOptions options = ServeWith(ServeArgs(catalog, slow));
  options.data_dir = first->data_dir();
  auto second = ServerProcess::Start(options);
  auto client2 = second->Client();
  auto task = WaitForTask(*client2, task_id);
  EXPECT_EQ(task["status"], "succeeded") << task.dump();
  EXPECT_EQ(task["progress"], nlohmann::json({{"done", 8}, {"total", 8}}));
  EXPECT_EQ(task["errors"].size(), 0u);
  EXPECT_EQ(Ok(Request(*client2, "GET", "/embeddings/products"), "products")["products"],
            nlohmann::json({1, 2, 3, 4, 5, 6, 7, 8}));

  // Cancel: the job stops taking products; what was done stays done.
  queued = Ok(Request(*client2, "POST", "/embeddings/generate-batch", R"({"product_ids": [1,2,3,4,5,6,7,8]})"), "b");
  std::this_thread::sleep_for(400ms);
  auto cancelled = Ok(Request(*client2, "DELETE", "/tasks/" + queued["task_id"].get<std::string>()), "cancel");
  task = WaitForTask(*client2, queued["task_id"]);
  EXPECT_EQ(task["status"], "cancelled") << task.dump();
  EXPECT_LT(task["progress"]["done"].get<int>(), 8);
  EXPECT_EQ(Request(*client2, "DELETE", "/tasks/" + queued["task_id"].get<std::string>()).first, 200);  // no-op
  auto recent = Ok(Request(*client2, "GET", "/tasks?limit=5"), "list");
  EXPECT_GE(recent["tasks"].size(), 2u);
}

TEST(ProductsE2eTest, DuplicateSignaturesSurviveARestartAndAScanGroupsCopies) {
  FakeCatalogServer catalog;
  catalog.AddProduct(1, ClothingPhotoBytes("dress", 2));
  catalog.AddProduct(2, ClothingPhotoBytes("dress", 2));  // an exact copy
  catalog.AddProduct(3, ClothingPhotoBytes("dress", 3));  // another dress: similar, not a duplicate
  catalog.AddProduct(4, ClothingPhotoBytes("shoes", 3));
  auto first = ServerProcess::Start(ServeWith(ServeArgs(catalog)));
  auto client = first->Client();
  auto task = WaitForTask(
      *client,
      Ok(Request(*client, "POST", "/embeddings/generate-batch", R"({"product_ids": [1,2,3,4]})"), "b")["task_id"]);
  ASSERT_EQ(task["status"], "succeeded") << task.dump();
  first->Signal(SIGTERM);
  ASSERT_EQ(first->Wait(20s), 0) << first->Logs();

  ServerOptions options = ServeWith(ServeArgs(catalog));
  options.data_dir = first->data_dir();
  auto second = ServerProcess::Start(options);
  auto client2 = second->Client();
  auto [status, found] =
      Upload(*client2, "/v1/collections/products/duplicates", ClothingPhotoBytes("dress", 2), "file");
  ASSERT_EQ(status, 200) << found.dump();
  EXPECT_EQ(found["indexed"], 4);  // loaded from iris.db, not re-upserted
  std::set<std::string> duplicate_ids;
  for (const auto& d : found["duplicates"]) duplicate_ids.insert(d["id"].get<std::string>());
  EXPECT_EQ(duplicate_ids, std::set<std::string>({"1", "2"})) << found.dump();

  auto scan = Ok(Request(*client2, "POST", "/v1/collections/products/duplicates/scan"), "scan");
  EXPECT_EQ(scan["items"], 4);
  task = WaitForTask(*client2, scan["task_id"]);
  EXPECT_EQ(task["status"], "succeeded") << task.dump();
  auto groups =
      Ok(Request(*client2, "GET", "/v1/collections/products/duplicates/scan/" + scan["task_id"].get<std::string>()),
         "groups");
  EXPECT_TRUE(groups["complete"]);
  EXPECT_EQ(groups["checked"], 4);
  ASSERT_EQ(groups["groups"].size(), 1u) << groups.dump();
  EXPECT_EQ(groups["groups"][0]["ids"], nlohmann::json({"1", "2"}));
  EXPECT_FALSE(groups["groups"][0]["pairs"].empty());

  // Deleting a product takes it out of the duplicate index too.
  Ok(Request(*client2, "DELETE", "/embeddings/product/2"), "delete");
  std::tie(status, found) =
      Upload(*client2, "/v1/collections/products/duplicates", ClothingPhotoBytes("dress", 2), "file");
  EXPECT_EQ(found["indexed"], 3);
  EXPECT_EQ(found["duplicates"].size(), 1u) << found.dump();
}

TEST(ProductsE2eTest, AResNetCollectionLikeTheSeedsWorksWithoutTextSearch) {
  // The seed embedded products with ResNet50: products.model may name an image-only embedder. The
  // test installs a tiny ResNet-shaped ONNX export (tests/fixtures) under the catalog name resnet50.
  TempDir root;
  const std::filesystem::path mirror = root.path() / "mirror", models = root.path() / "models";
  std::filesystem::create_directories(mirror / "resnet50");
  std::filesystem::copy_file(SourceDir() / "tests/fixtures/resnet_pooled_tiny.onnx", mirror / "resnet50/model.onnx");
  auto pulled = RunCommand(IrisBinary() + " models pull resnet50 --allow-unverified --models-dir " + models.string() +
                           " --model-mirror " + mirror.string());
  ASSERT_EQ(pulled.exit_code, 0) << pulled.output;

  FakeCatalogServer catalog;
  catalog.AddProduct(1, ClothingPhotoBytes("skirt", 0));
  catalog.AddProduct(2, ClothingPhotoBytes("skirt", 0));  // the same photo
  catalog.AddProduct(3, ClothingPhotoBytes("shoes", 0));
  auto server = ServerProcess::Start(
      ServeWith(ServeArgs(catalog, {"--products-model", "resnet50", "--models-dir", models.string()})));
  auto client = server->Client();
  auto task = WaitForTask(
      *client,
      Ok(Request(*client, "POST", "/embeddings/generate-batch", R"({"product_ids": [1, 2, 3]})"), "b")["task_id"]);
  ASSERT_EQ(task["status"], "succeeded") << task.dump();
  EXPECT_EQ(task["errors"].size(), 0u) << task.dump();
  auto described = Ok(Request(*client, "GET", "/v1/collections/products"), "describe");
  EXPECT_EQ(described["model"], "resnet50");
  auto similar = Ok(Request(*client, "GET", "/similar-products/1"), "similar");
  ASSERT_EQ(similar["similar_products"].size(), 2u) << similar.dump();
  EXPECT_EQ(similar["similar_products"][0]["id"], 2);
  EXPECT_GT(similar["similar_products"][0]["similarity_score"].get<double>(), 0.999);
  auto [status, reply] = Request(*client, "POST", "/v1/collections/products/search", R"({"text": "a skirt"})");
  EXPECT_EQ(status, 422) << reply.dump();
  EXPECT_NE(reply["detail"].get<std::string>().find("images only"), std::string::npos) << reply.dump();
}

}  // namespace
}  // namespace iris::testing
