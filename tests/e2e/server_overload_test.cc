// End-to-end: bounded admission. With one worker and one queue slot, a held worker makes further
// connections get 503 JSON with Retry-After at once instead of waiting without bound; health probes
// have a worker of their own and are answered meanwhile.
#include <gtest/gtest.h>

#include <future>
#include <thread>
#include <vector>

#include "e2e/e2e_http.h"

namespace iris::testing {
namespace {

struct Outcome {
  bool answered = false;
  int status = 0;
  std::string retry_after;
  std::string body;
};

Outcome GetOnce(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(std::chrono::seconds(5));
  client.set_read_timeout(std::chrono::seconds(8));  // a hang fails the test instead of blocking it
  Outcome out;
  if (auto res = client.Get(path)) {
    out.answered = true;
    out.status = res->status;
    out.retry_after = res->get_header_value("Retry-After");
    out.body = res->body;
  }
  return out;
}

TEST(ServerOverload, ConnectionsBeyondTheQueueGet503WithRetryAfter) {
  auto server =
      ServerProcess::Start(ServeWith({"--worker-threads", "1", "--max-queued-connections", "1"}, TestRoutesEnv()));
  int port = server->port();
  auto slow = std::async(std::launch::async, [port] { return GetOnce(port, "/v1/debug/sleep?ms=1500"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // let the slow request take the worker

  std::vector<std::future<Outcome>> others;
  for (int i = 0; i < 6; ++i) {
    others.push_back(std::async(std::launch::async, [port] { return GetOnce(port, "/openapi.json"); }));
  }
  int ok = 0, rejected = 0;
  for (auto& f : others) {
    Outcome o = f.get();
    ASSERT_TRUE(o.answered) << "a connection got no answer (hang or reset)";
    if (o.status == 200) {
      ++ok;
    } else {
      ASSERT_EQ(o.status, 503);
      ++rejected;
      EXPECT_EQ(o.retry_after, "1");
      auto body = ParseJson(o.body);
      ASSERT_TRUE(body.is_object()) << o.body;
      EXPECT_NE(body["detail"].get<std::string>().find("overloaded"), std::string::npos);
    }
  }
  EXPECT_GE(rejected, 1);
  EXPECT_LE(ok, 1);  // at most the one queued connection waited for the worker

  Outcome s = slow.get();
  ASSERT_TRUE(s.answered);
  EXPECT_EQ(s.status, 200);

  // Once idle again, the server serves normally and has counted the rejections.
  auto metrics = server->Client()->Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(MetricValue(metrics->body, R"(iris_http_rejected_total{reason="queue_full"})"),
            static_cast<double>(rejected));
}

TEST(ServerOverload, HealthProbesAreAnsweredWhileEveryWorkerIsHeld) {
  auto server =
      ServerProcess::Start(ServeWith({"--worker-threads", "1", "--max-queued-connections", "1"}, TestRoutesEnv()));
  int port = server->port();
  auto slow = std::async(std::launch::async, [port] {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(std::chrono::seconds(60));
    auto res = client.Get("/v1/debug/sleep?ms=6000");
    return res ? res->status : 0;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // let the slow request take the worker
  // Without the probe lane each probe would wait for the worker, so the sleep would end first.
  for (const char* probe : {"/healthz", "/readyz", "/healthz?x=1"}) {
    Outcome o = GetOnce(port, probe);
    ASSERT_TRUE(o.answered) << probe;
    EXPECT_EQ(o.status, 200) << probe << " " << o.body;
    EXPECT_NE(slow.wait_for(std::chrono::seconds(0)), std::future_status::ready)
        << "the probe was answered only after the held worker was free";
  }
  EXPECT_EQ(slow.get(), 200);
}

}  // namespace
}  // namespace iris::testing
