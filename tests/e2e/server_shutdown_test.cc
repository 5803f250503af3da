// End-to-end: graceful shutdown on SIGTERM/SIGINT, and the deadline that bounds it.
#include <gtest/gtest.h>
#include <signal.h>

#include <future>
#include <thread>

#include "e2e/e2e_http.h"

namespace iris::testing {
namespace {

std::pair<int, std::string> SlowGet(int port, int ms) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(std::chrono::seconds(60));
  auto res = client.Get("/v1/debug/sleep?ms=" + std::to_string(ms));
  if (!res) return {-1, httplib::to_string(res.error())};
  return {res->status, res->get_header_value("Connection")};
}

// Polls /metrics until a request besides the poll itself is in flight (the slow request has a
// worker), so that a signal sent next finds it in flight even on a loaded machine.
void WaitUntilARequestIsInFlight(ServerProcess& server) {
  for (int i = 0; i < 400; ++i) {
    auto metrics = server.Client()->Get("/metrics");
    if (metrics && MetricValue(metrics->body, "iris_http_requests_in_flight").value_or(0) >= 2) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ADD_FAILURE() << "the slow request never reached a worker";
}

// Polls until the listening socket is gone (connection refused), up to `limit`.
bool RefusesConnectionsWithin(int port, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!CanConnect(port)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void ExpectGracefulStopOn(int sig) {
  auto server = ServerProcess::Start(ServeWith({}, TestRoutesEnv()));
  int port = server->port();
  auto slow = std::async(std::launch::async, [port] { return SlowGet(port, 1500); });
  WaitUntilARequestIsInFlight(*server);
  server->Signal(sig);

  EXPECT_TRUE(RefusesConnectionsWithin(port, std::chrono::milliseconds(10000)));
  EXPECT_TRUE(server->Running()) << "exited while a request was in flight";
  auto [status, connection] = slow.get();
  EXPECT_EQ(status, 200) << connection;
  EXPECT_EQ(connection, "close");
  auto code = server->Wait(std::chrono::seconds(30));
  ASSERT_TRUE(code.has_value()) << server->Logs();
  EXPECT_EQ(*code, 0) << server->Logs();
  auto logs = server->Logs();
  EXPECT_NE(logs.find("server.shutdown_begin"), std::string::npos);
  EXPECT_NE(logs.find("server.shutdown_complete"), std::string::npos);
}

TEST(ServerShutdown, SigtermLetsTheInFlightRequestFinishThenExitsZero) { ExpectGracefulStopOn(SIGTERM); }

TEST(ServerShutdown, SigintIsGracefulToo) { ExpectGracefulStopOn(SIGINT); }

TEST(ServerShutdown, IdleServerExitsZeroPromptly) {
  auto server = ServerProcess::Start();
  auto client = server->Client();  // an idle keep-alive connection must not hold shutdown up
  ASSERT_TRUE(client->Get("/healthz"));
  server->Signal(SIGTERM);
  auto code = server->Wait(std::chrono::seconds(3));
  ASSERT_TRUE(code.has_value()) << server->Logs();
  EXPECT_EQ(*code, 0);
}

TEST(ServerShutdown, DeadlineCutsALongRequestAndExitsNonZero) {
  auto server = ServerProcess::Start(ServeWith({"--shutdown-deadline", "0.5"}, TestRoutesEnv()));
  int port = server->port();
  auto slow = std::async(std::launch::async, [port] { return SlowGet(port, 30000); });
  WaitUntilARequestIsInFlight(*server);
  server->Signal(SIGTERM);
  // 0.5 s deadline: exit long before the 30 s request could finish.
  auto code = server->Wait(std::chrono::seconds(15));
  ASSERT_TRUE(code.has_value()) << "still running long after the deadline\n" << server->Logs();
  EXPECT_EQ(*code, 1);
  EXPECT_NE(server->Logs().find("server.shutdown_deadline"), std::string::npos) << server->Logs();
  EXPECT_EQ(slow.get().first, -1);  // the cut request got no response
}

TEST(ServerShutdown, SecondSignalForcesExit) {
  auto server = ServerProcess::Start(ServeWith({"--shutdown-deadline", "60"}, TestRoutesEnv()));
  int port = server->port();
  auto slow = std::async(std::launch::async, [port] { return SlowGet(port, 30000); });
  WaitUntilARequestIsInFlight(*server);
  server->Signal(SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_TRUE(server->Running());
  server->Signal(SIGTERM);
  // Forced: exit long before the 30 s request or the 60 s deadline.
  auto code = server->Wait(std::chrono::seconds(15));
  ASSERT_TRUE(code.has_value()) << server->Logs();
  EXPECT_EQ(*code, 1);
  EXPECT_NE(server->Logs().find("server.shutdown_forced"), std::string::npos);
  slow.get();
}

}  // namespace
}  // namespace iris::testing
