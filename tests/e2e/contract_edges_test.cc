// End-to-end: the contract edges a hostile or a seed-era client hits (issue 16), each against the
// real `iris serve`:
//   * HTTP framing: conflicting Content-Length header fields are 400 and close the connection; so
//     does a request whose head cannot be parsed;
//   * every answer says X-Content-Type-Options: nosniff (stored originals are client bytes);
//   * every path answers with and without its trailing slash (FastAPI, which the seeds ran on,
//     redirects one form to the other);
//   * JSON bodies without Content-Type or with application/*+json are read, as FastAPI reads them;
//   * item ids must be valid UTF-8 and l2/ip vectors must keep distances finite (422);
//   * the seed's analysis routes: the `image` field, an empty task list, "Could not process image"
//     for a download that is not an image.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <string>

#include "e2e/e2e_http.h"
#include "e2e/local_http_server.h"
#include "e2e/raw_connection.h"
#include "image/test_images.h"

namespace iris::testing {
namespace {

using namespace std::chrono_literals;

class ContractEdgesE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = ServerProcess::Start(ServeWith({"--fetch-allow-hosts", "127.0.0.1"})).release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static ServerProcess* server_;
};

ServerProcess* ContractEdgesE2eTest::server_ = nullptr;

// Sends `request` on a fresh connection; the whole answer and whether the server then closed.
std::string ExchangeRaw(int port, const std::string& request, bool* closed) {
  RawConnection connection(port);
  EXPECT_TRUE(connection.connected());
  EXPECT_TRUE(connection.Send(request));
  return connection.ReadUntilClosed(10s, closed);
}

TEST_F(ContractEdgesE2eTest, ConflictingContentLengthsAre400AndCloseTheConnection) {
  // A pipelined second request after the body: with the old behaviour (first Content-Length used,
  // connection kept) it would be answered too.
  const std::string request =
      "POST /v1/collections HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 2\r\nContent-Length: 40\r\n\r\n{}"
      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  bool closed = false;
  std::string reply = ExchangeRaw(server_->port(), request, &closed);
  EXPECT_TRUE(closed) << reply;
  EXPECT_EQ(StatusOf(reply), 400) << reply;
  EXPECT_NE(reply.find("Content-Length is unparseable or given twice"), std::string::npos) << reply;
  EXPECT_EQ(reply.find("HTTP/1.1 200"), std::string::npos) << "the pipelined request was served: " << reply;

  // The same value twice is one length (RFC 9112 6.3): served as usual.
  const std::string same =
      "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  std::string ok = ExchangeRaw(server_->port(), same, &closed);
  EXPECT_EQ(StatusOf(ok), 200) << ok;
}

TEST_F(ContractEdgesE2eTest, AMalformedRequestClosesTheConnection) {
  for (const std::string& bad :
       {std::string("GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n"), std::string("NOT A REQUEST LINE\r\n\r\n")}) {
    bool closed = false;
    std::string reply = ExchangeRaw(server_->port(), bad + "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", &closed);
    EXPECT_TRUE(closed) << reply;
    EXPECT_EQ(StatusOf(reply), 400) << reply;
    EXPECT_EQ(reply.find("HTTP/1.1 200"), std::string::npos) << "served after a malformed request: " << reply;
  }
  auto health = server_->Client()->Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST_F(ContractEdgesE2eTest, StoredOriginalsAndEveryOtherAnswerSayNosniff) {
  auto client = server_->Client();
  const std::string jpeg = SolidJpeg(10, 200, 30);
  auto stored = client->Post("/v1/images", httplib::MultipartFormDataItems{{"file", jpeg, "x.jpg", "image/jpeg"}});
  ASSERT_TRUE(stored);
  ASSERT_EQ(stored->status, 200) << stored->body;
  const std::string sha = ParseJson(stored->body)["sha256"];
  for (const std::string& path : {"/v1/images/" + sha, std::string("/healthz"), std::string("/no/such/route")}) {
    auto res = client->Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff") << path;
  }
  auto ranged = client->Get("/v1/images/" + sha, {{"Range", "bytes=0-9"}});
  ASSERT_TRUE(ranged);
  EXPECT_EQ(ranged->status, 206);
  EXPECT_EQ(ranged->get_header_value("X-Content-Type-Options"), "nosniff");
}

TEST_F(ContractEdgesE2eTest, EveryPathAnswersWithAndWithoutItsTrailingSlash) {
  auto client = server_->Client();
  // seed-002 paths are documented without the slash, seed-001 paths with it; /v1 without.
  for (const std::string path : {"/embeddings/count", "/embeddings/products", "/embeddings/check/sku-1",
                                  "/available_operations/", "/v1/collections", "/healthz", "/tasks"}) {
    auto plain = client->Get(path);
    const std::string other = path.ends_with('/') ? path.substr(0, path.size() - 1) : path + "/";
    auto flipped = client->Get(other);
    ASSERT_TRUE(plain && flipped) << path;
    EXPECT_NE(plain->status, 404) << path << ": " << plain->body;
    EXPECT_EQ(flipped->status, plain->status) << other << ": " << flipped->body;
  }
  auto openapi = ParseJson(client->Get("/openapi.json")->body);
  EXPECT_TRUE(openapi["paths"].contains("/available_operations/"));
  EXPECT_FALSE(openapi["paths"].contains("/available_operations"));
}

TEST_F(ContractEdgesE2eTest, JsonIsReadWithoutContentTypeAndAsPlusJson) {
  auto client = server_->Client();
  const std::string body = R"({"name": "%s", "model": "external", "dim": 2})";
  auto with_name = [&](const std::string& name) {
    std::string text = body;
    text.replace(text.find("%s"), 2, name);
    return text;
  };
  // httplib's client always sends a Content-Type with a body: the first case goes raw.
  const std::string no_type = with_name("untyped");
  bool closed = false;
  std::string reply = ExchangeRaw(server_->port(),
                                  "POST /v1/collections HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: " +
                                      std::to_string(no_type.size()) + "\r\n\r\n" + no_type,
                                  &closed);
  EXPECT_EQ(StatusOf(reply), 201) << reply;
  auto vendor = client->Post("/v1/collections", with_name("vendor"), "application/vnd.iris+json; charset=utf-8");
  ASSERT_TRUE(vendor);
  EXPECT_EQ(vendor->status, 201) << vendor->body;
  auto text = client->Post("/v1/collections", with_name("text"), "text/plain");
  ASSERT_TRUE(text);
  EXPECT_EQ(text->status, 415) << text->body;
}

TEST_F(ContractEdgesE2eTest, ItemIdsMustBeUtf8AndVectorsMustKeepDistancesFinite) {
  auto client = server_->Client();
  for (const std::string metric : {"l2", "inner_product", "cosine"}) {
    auto created = client->Post(
        "/v1/collections",
        nlohmann::json{{"name", "m-" + metric}, {"model", "external"}, {"dim", 2}, {"metric", metric}}.dump(),
        "application/json");
    ASSERT_TRUE(created);
    ASSERT_EQ(created->status, 201) << created->body;
    const std::string items = "/v1/collections/m-" + metric + "/items/";
    auto bad_id = client->Put(items + "%FF%FE", R"({"vector": [1, 0]})", "application/json");
    ASSERT_TRUE(bad_id);
    EXPECT_EQ(bad_id->status, 422) << bad_id->body;
    EXPECT_NE(bad_id->body.find("valid UTF-8"), std::string::npos) << bad_id->body;

    auto huge = client->Put(items + "huge", R"({"vector": [3e38, 1]})", "application/json");
    ASSERT_TRUE(huge);
    auto search =
        client->Post("/v1/collections/m-" + metric + "/search", R"({"vector": [3e38, 1]})", "application/json");
    ASSERT_TRUE(search);
    if (metric == "cosine") {  // normalised in double: a direction like any other
      EXPECT_EQ(huge->status, 200) << huge->body;
      EXPECT_EQ(search->status, 200) << search->body;
    } else {
      EXPECT_EQ(huge->status, 422) << huge->body;
      EXPECT_NE(huge->body.find("too long"), std::string::npos) << huge->body;
      EXPECT_EQ(search->status, 422) << search->body;
    }
    ASSERT_EQ(client->Put(items + "ok", R"({"vector": [1, 0]})", "application/json")->status, 200);
    auto listed = ParseJson(client->Get("/v1/collections/m-" + metric + "/items")->body);
    for (const auto& id : listed["ids"]) {
      auto got = client->Get(items + id.get<std::string>());
      EXPECT_EQ(got->status, 200) << "a listed id is not found: " << id;
    }
  }
}

TEST_F(ContractEdgesE2eTest, SeedAnalysisRoutesTakeImageFieldEmptyTaskListsAndReportUndecodableDownloads) {
  auto client = server_->Client();
  const std::string jpeg = SolidJpeg(10, 200, 30);
  auto upload = client->Post(
      "/analyze_image_upload/",
      httplib::MultipartFormDataItems{{"image", jpeg, "x.jpg", "image/jpeg"},
                                      {"tasks_json", R"([{"operation_id": "h", "type": "image_hash"}])", "", ""}});
  ASSERT_TRUE(upload);
  EXPECT_EQ(upload->status, 200) << upload->body;
  EXPECT_EQ(ParseJson(upload->body)["results"]["h"]["status"], "success") << upload->body;

  LocalHttpServer files([&](httplib::Server& s) {
    s.Get("/photo.jpg", [&](const httplib::Request&, httplib::Response& res) { res.set_content(jpeg, "image/jpeg"); });
    // Downloaded fine, refused from its header (InvalidArgument, like the fetcher's own errors).
    s.Get("/empty.jpg", [](const httplib::Request&, httplib::Response& res) { res.set_content("", "image/jpeg"); });
    s.Get("/page.html", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("<html><body>not an image</body></html>", "text/html");
    });
  });
  auto empty = client->Post(
      "/analyze_image/",
      nlohmann::json{{"image_url", files.Url("127.0.0.1", "/photo.jpg")}, {"tasks", nlohmann::json::array()}}.dump(),
      "application/json");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 200) << empty->body;
  EXPECT_EQ(ParseJson(empty->body)["results"], nlohmann::json::object()) << empty->body;

  // Which step failed decides the text; the fetcher's "image_url: " context is not repeated.
  struct Case {
    std::string path, prefix;
    int status;
  };
  for (const auto& [path, prefix, status] :
       {Case{"/empty.jpg", "Could not process image: ", 400}, Case{"/page.html", "Could not process image: ", 415},
        Case{"/missing.jpg", "Could not download image from URL: ", 400}}) {
    auto res = client->Post("/analyze_image/",
                            nlohmann::json{{"image_url", files.Url("127.0.0.1", path)},
                                           {"tasks", {{{"operation_id", "h"}, {"type", "image_hash"}}}}}
                                .dump(),
                            "application/json");
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, status) << path << ": " << res->body;
    const std::string detail = ParseJson(res->body).value("detail", "");
    EXPECT_EQ(detail.rfind(prefix, 0), 0u) << path << ": " << res->body;
    EXPECT_EQ(detail.find("image_url: "), std::string::npos) << path << ": " << res->body;
  }
}

}  // namespace
}  // namespace iris::testing
