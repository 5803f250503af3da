// ServerProcess: runs the real `iris serve` binary (IRIS_BINARY) as a child process on a free
// port (free on loopback; bound on ServerOptions::host, 127.0.0.1 by default) with its own data directory, for
// end-to-end tests over HTTP. Start() returns once /healthz answers (or throws with the server's log). The destructor
// kills the process if it is still running. stderr (the structured log) is captured to a file readable by Logs().
#pragma once

#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace iris::testing {

struct ServerOptions {
  std::vector<std::string> extra_args;            // appended after `serve --host H --port P --data-dir D`
  std::string host = "127.0.0.1";                 // --host; clients still connect to 127.0.0.1
  std::map<std::string, std::string> env;         // added to the child's environment
  std::optional<std::filesystem::path> data_dir;  // default: a fresh temp dir
  std::chrono::seconds start_timeout{30};
};

class ServerProcess {
 public:
  static std::unique_ptr<ServerProcess> Start(const ServerOptions& options = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  int port() const { return port_; }
  int pid() const { return pid_; }
  std::string host_port() const { return "127.0.0.1:" + std::to_string(port_); }
  std::unique_ptr<httplib::Client> Client() const;
  const std::filesystem::path& data_dir() const { return data_dir_; }

  void Signal(int signal);
  // Waits for exit; returns the exit status (128+signal if killed), nullopt on timeout.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  bool Running();
  std::string Logs() const;

 private:
  ServerProcess() = default;
  int pid_ = -1;
  int port_ = 0;
  std::optional<int> exit_status_;
  std::unique_ptr<TempDir> temp_;
  std::filesystem::path data_dir_;
  std::filesystem::path log_path_;
};

// Path of the iris binary under test (IRIS_BINARY), or throws.
std::string IrisBinary();

// A TCP port on 127.0.0.1 that was free a moment ago.
int FreeLoopbackPort();

}  // namespace iris::testing
