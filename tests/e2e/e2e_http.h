// Small helpers shared by the end-to-end tests (header-only: only *_test.cc files are built).
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "support/server_process.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"

namespace iris::testing {

inline ServerOptions ServeWith(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  ServerOptions options;
  options.extra_args = std::move(args);
  options.env = std::move(env);
  return options;
}

// Environment that enables /v1/debug/sleep.
inline std::map<std::string, std::string> TestRoutesEnv() { return {{"IRIS_ENABLE_TEST_ROUTES", "1"}}; }

// Waits (up to 10 s) until /readyz answers 200, e.g. until the models named in --preload-models are in.
inline void WaitUntilReady(const ServerProcess& server) {
  auto client = server.Client();
  for (int i = 0; i < 200; ++i) {
    if (auto r = client->Get("/readyz"); r && r->status == 200) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// Parses a JSON body, or returns a "discarded" value that compares unequal to everything.
inline nlohmann::json ParseJson(const std::string& body) { return nlohmann::json::parse(body, nullptr, false); }

// True if a TCP connection to 127.0.0.1:port is accepted by the kernel.
inline bool CanConnect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// The value of the first sample line starting with `series` (exact series text with labels) in a
// Prometheus exposition, or nullopt.
inline std::optional<double> MetricValue(const std::string& text, const std::string& series) {
  std::size_t pos = 0;
  while ((pos = text.find(series + " ", pos)) != std::string::npos) {
    if (pos == 0 || text[pos - 1] == '\n') {
      auto end = text.find('\n', pos);
      return std::stod(text.substr(pos + series.size() + 1, end - pos - series.size() - 1));
    }
    pos += series.size();
  }
  return std::nullopt;
}

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs a shell command line and captures its output and exit status.
inline CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return result;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) result.output.append(buf, n);
  int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

// An API key made by the real `iris keys create`: its public id and the whole key text.
struct CreatedKey {
  std::string id;
  std::string text;
};

// Runs `iris keys create <args>` (args name the store: "--data-dir DIR" or "--database-url 'URL'",
// plus --name ...) and reads the key from its stdout; an empty key and a test failure when none.
inline CreatedKey CreateKeyWith(const std::string& args) {
  auto result = RunCommand(IrisBinary() + " keys create " + args);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  std::smatch match;
  static const std::regex kKey("iris_([0-9a-f]{12})_[0-9a-f]{64}");
  if (!std::regex_search(result.output, match, kKey)) {
    ADD_FAILURE() << "no key in: " << result.output;
    return {};
  }
  return {match[1].str(), match[0].str()};
}

// GET of a URL the server handed out, as a client would make it: a server-relative path on `server`, or an
// absolute URL (reached on loopback with its Host, for *.localhost names such as s3rver's buckets).
inline std::pair<int, std::string> FetchUrl(const ServerProcess& server, const std::string& url) {
  if (url.rfind("/", 0) == 0) {
    auto res = server.Client()->Get(url);
    return res ? std::pair{res->status, res->body} : std::pair{0, std::string()};
  }
  const auto start = url.find("://") + 3;
  const auto path = url.find('/', start);
  const std::string authority = url.substr(start, path - start);
  httplib::Client client("127.0.0.1", std::stoi(authority.substr(authority.rfind(':') + 1)));
  auto res = client.Get(url.substr(path), {{"Host", authority}});
  return res ? std::pair{res->status, res->body} : std::pair{0, std::string()};
}

// A models dir with the given catalog models installed from ../shared/models (once per process and list).
inline std::filesystem::path ModelsDirWith(const std::string& models) {
  static std::mutex mu;
  static std::map<std::string, std::filesystem::path> dirs;
  static std::vector<std::unique_ptr<TempDir>> kept;  // removed when the process exits
  std::lock_guard lock(mu);
  if (auto it = dirs.find(models); it != dirs.end()) return it->second;
  const auto path = kept.emplace_back(std::make_unique<TempDir>())->path() / "models";
  const auto r = RunCommand(IrisBinary() + " models pull " + models + " --models-dir " + path.string() +
                            " --model-mirror " + RequireShared("models").string());
  if (r.exit_code != 0) throw std::runtime_error("installing " + models + " failed: " + r.output);
  return dirs[models] = path;
}

}  // namespace iris::testing
