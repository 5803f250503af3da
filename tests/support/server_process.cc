#include "support/server_process.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "support/shared_data.h"

namespace iris::testing {

std::string IrisBinary() {
  const char* env = std::getenv("IRIS_BINARY");
  std::string bin = env && *env ? env : IRIS_TEST_BINARY;
  if (!std::filesystem::exists(bin))
    throw std::runtime_error("iris binary not found at " + bin + " (build it, or set IRIS_BINARY)");
  return bin;
}

int FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw std::runtime_error("bind failed");
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::unique_ptr<ServerProcess> ServerProcess::Start(const ServerOptions& options) {
  std::unique_ptr<ServerProcess> p(new ServerProcess());
  p->temp_ = std::make_unique<TempDir>();
  p->data_dir_ = options.data_dir.value_or(p->temp_->path() / "data");
  p->log_path_ = p->temp_->path() / "server.log";
  p->port_ = FreeLoopbackPort();

  std::vector<std::string> args = {
      IrisBinary(),         "serve", "--host", options.host, "--port", std::to_string(p->port_), "--data-dir",
      p->data_dir_.string()};
  args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());

  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    for (const auto& [k, v] : options.env) ::setenv(k.c_str(), v.c_str(), 1);
    if (!std::getenv("IRIS_SHARED_DIR")) ::setenv("IRIS_SHARED_DIR", SharedDir().c_str(), 1);
    FILE* log = std::fopen(p->log_path_.c_str(), "w");
    if (log) {
      ::dup2(fileno(log), STDERR_FILENO);
      ::dup2(fileno(log), STDOUT_FILENO);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    std::_Exit(127);
  }
  p->pid_ = pid;

  auto deadline = std::chrono::steady_clock::now() + options.start_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!p->Running()) throw std::runtime_error("iris serve exited during start-up:\n" + p->Logs());
    auto client = p->Client();
    client->set_connection_timeout(std::chrono::milliseconds(200));
    if (auto res = client->Get("/healthz"); res && res->status == 200) return p;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("iris serve did not answer /healthz in time:\n" + p->Logs());
}

ServerProcess::~ServerProcess() {
  if (Running()) {
    ::kill(pid_, SIGKILL);
    Wait(std::chrono::seconds(5));
  }
}

std::unique_ptr<httplib::Client> ServerProcess::Client() const {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", port_);
  c->set_read_timeout(std::chrono::seconds(60));
  c->set_write_timeout(std::chrono::seconds(60));
  return c;
}

void ServerProcess::Signal(int signal) {
  if (pid_ > 0 && !exit_status_) ::kill(pid_, signal);
}

std::optional<int> ServerProcess::Wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!exit_status_) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return exit_status_;
}

bool ServerProcess::Running() {
  if (pid_ <= 0) return false;
  return !Wait(std::chrono::milliseconds(0)).has_value();
}

std::string ServerProcess::Logs() const {
  try {
    return ReadFileBytes(log_path_);
  } catch (...) {
    return "(no log)";
  }
}

}  // namespace iris::testing
