// End-to-end: slow, silent and numerous clients cannot take the server offline. Connections wait
// for their request in the server's receiver, not on a worker; each request has a whole-request
// deadline for its headers and its body (408 after); open connections are bounded (503 beyond).
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "e2e/e2e_http.h"
#include "e2e/raw_connection.h"

namespace iris::testing {
namespace {

using namespace std::chrono_literals;

// GET /openapi.json on a fresh connection; 0 when no answer came within `limit`. A route served by
// the request workers (health probes have a worker of their own, so they would prove nothing here).
int WorkerRouteStatus(int port, std::chrono::seconds limit) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(limit);
  client.set_read_timeout(limit);
  auto res = client.Get("/openapi.json");
  return res ? res->status : 0;
}

TEST(ServerSlowClients, HundredsOfSlowHeaderSendersDoNotKeepOthersFromBeingServed) {
  // Two workers and a queue of four: before requests were received outside the workers, three
  // hundred slow clients held both workers and filled the queue, so other requests got 503 or nothing.
  auto server = ServerProcess::Start(ServeWith(
      {"--worker-threads", "2", "--max-queued-connections", "4", "--header-timeout", "4", "--read-timeout", "8"}));
  const int port = server->port();
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 300; ++i) {
    slow.push_back(std::make_unique<RawConnection>(port));
    ASSERT_TRUE(slow.back()->connected()) << "connection " << i;
    ASSERT_TRUE(slow.back()->Send("GET /healthz HTTP/1.1\r\nHost: x\r\n"));
  }
  std::this_thread::sleep_for(500ms);
  for (auto& c : slow) c->Send("X-Slow: 1\r\n");  // one more header line, still no end of head

  for (int i = 0; i < 3; ++i) EXPECT_EQ(WorkerRouteStatus(port, 5s), 200) << "attempt " << i;

  // The slow clients are answered 408 once the header deadline passes, and disconnected.
  bool closed = false;
  std::string reply = slow.front()->ReadUntilClosed(20s, &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(StatusOf(reply), 408) << reply;
  auto body = ParseJson(BodyOf(reply));
  ASSERT_TRUE(body.is_object()) << reply;
  EXPECT_NE(body["detail"].get<std::string>().find("server.header_timeout_s"), std::string::npos) << body;

  auto metrics = server->Client()->Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_GE(MetricValue(metrics->body, R"(iris_http_rejected_total{reason="header_timeout"})").value_or(0), 1.0);
}

TEST(ServerSlowClients, SilentConnectionsHoldNoWorkerAndAreClosedAfterTheHeaderTimeout) {
  auto server = ServerProcess::Start(ServeWith({"--worker-threads", "1", "--header-timeout", "2"}));
  const int port = server->port();
  std::vector<std::unique_ptr<RawConnection>> silent;
  for (int i = 0; i < 20; ++i) {
    silent.push_back(std::make_unique<RawConnection>(port));
    ASSERT_TRUE(silent.back()->connected());
  }
  EXPECT_EQ(WorkerRouteStatus(port, 5s), 200);  // the single worker is free
  bool closed = false;
  std::string reply = silent.front()->ReadUntilClosed(20s, &closed);
  EXPECT_TRUE(closed);
  EXPECT_TRUE(reply.empty()) << "an idle connection is closed without an answer: " << reply;
}

TEST(ServerSlowClients, ABodyThatStopsArrivingGets408AndHoldsNoWorker) {
  auto server = ServerProcess::Start(ServeWith({"--worker-threads", "1", "--read-timeout", "2"}));
  const int port = server->port();
  RawConnection stalled(port);
  ASSERT_TRUE(stalled.Send(
      "POST /v1/images HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"ima"));
  EXPECT_EQ(WorkerRouteStatus(port, 5s), 200);  // the body is awaited without a worker
  bool closed = false;
  std::string reply = stalled.ReadUntilClosed(20s, &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(StatusOf(reply), 408) << reply;
  EXPECT_NE(BodyOf(reply).find("server.read_timeout_s"), std::string::npos) << reply;
}

TEST(ServerSlowClients, ABodyReadByAWorkerHasTheSameWholeRequestDeadline) {
  // With Expect: 100-continue the body is sent only after the server's go-ahead, so a worker
  // reads it; the request's deadline still applies.
  auto server = ServerProcess::Start(ServeWith({"--read-timeout", "2"}));
  RawConnection stalled(server->port());
  ASSERT_TRUE(
      stalled.Send("POST /v1/images HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   "Content-Length: 100\r\nExpect: 100-continue\r\n\r\n"));
  std::string interim = stalled.ReadSome(10s);
  EXPECT_EQ(StatusOf(interim), 100) << interim;
  ASSERT_TRUE(stalled.Send("{\"image_url\": "));
  bool closed = false;
  std::string reply = stalled.ReadUntilClosed(20s, &closed);
  EXPECT_TRUE(closed);
  EXPECT_NE(reply.find("HTTP/1.1 408"), std::string::npos) << reply;
}

TEST(ServerSlowClients, ConnectionsBeyondMaxConnectionsGet503) {
  auto server = ServerProcess::Start(ServeWith({"--max-connections", "4", "--header-timeout", "30"}));
  const int port = server->port();
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 4; ++i) held.push_back(std::make_unique<RawConnection>(port));
  std::this_thread::sleep_for(300ms);  // let the server register them
  RawConnection extra(port);
  ASSERT_TRUE(extra.connected());
  std::string reply = extra.ReadUntilClosed(10s);
  EXPECT_EQ(StatusOf(reply), 503) << reply;
  EXPECT_NE(reply.find("Retry-After: 1"), std::string::npos) << reply;
  EXPECT_NE(BodyOf(reply).find("server.max_connections"), std::string::npos) << reply;
  held.clear();  // once they are gone, new connections are served again
  for (int attempt = 0; attempt < 50 && WorkerRouteStatus(port, 2s) != 200; ++attempt)
    std::this_thread::sleep_for(100ms);
  EXPECT_EQ(WorkerRouteStatus(port, 5s), 200);
}

TEST(ServerSlowClients, AnOversizedRequestHeadGets431) {
  auto server = ServerProcess::Start();
  RawConnection connection(server->port());
  std::string head = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
  while (head.size() < 70 * 1024) head += "X-Filler: " + std::string(100, 'a') + "\r\n";
  ASSERT_TRUE(connection.Send(head));  // no blank line: the head never ends
  bool closed = false;
  std::string reply = connection.ReadUntilClosed(20s, &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(StatusOf(reply), 431) << reply;
  auto body = ParseJson(BodyOf(reply));
  ASSERT_TRUE(body.is_object()) << reply;
  EXPECT_NE(body["detail"].get<std::string>().find("too large"), std::string::npos) << body;
  EXPECT_EQ(WorkerRouteStatus(server->port(), 5s), 200);
}

int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

TEST(ServerSlowClients, PipelinedAndKeptAliveRequestsAreAllAnswered) {
  auto server = ServerProcess::Start(ServeWith({"--worker-threads", "1"}));
  RawConnection connection(server->port());
  ASSERT_TRUE(connection.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  // Both answers, bodies included (they may arrive in several reads).
  const std::string body = R"({"status":"ok"})";
  std::string replies;
  for (int i = 0; i < 50 && Count(replies, body) < 2; ++i) replies += connection.ReadSome(200ms);
  EXPECT_EQ(Count(replies, "HTTP/1.1 200 OK"), 2) << replies;
  EXPECT_EQ(Count(replies, body), 2) << replies;
  // The same connection, kept alive and idle for a moment, serves a third request.
  std::this_thread::sleep_for(300ms);
  ASSERT_TRUE(connection.Send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  bool closed = false;
  std::string last = connection.ReadUntilClosed(10s, &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(StatusOf(last), 200) << last;
  EXPECT_EQ(Count(last, body), 1) << last;
}

}  // namespace
}  // namespace iris::testing
