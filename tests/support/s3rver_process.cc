#include "support/s3rver_process.h"

#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "support/server_process.h"
#include "support/shared_data.h"

namespace iris::testing {

std::filesystem::path S3rverScript() {
  return SourceDir() / ".deps" / "s3rver" / "node_modules" / "s3rver" / "bin" / "s3rver.js";
}

std::unique_ptr<S3rverProcess> S3rverProcess::Start(const std::vector<std::string>& buckets) {
  if (!std::filesystem::exists(S3rverScript())) return nullptr;
  auto p = std::unique_ptr<S3rverProcess>(new S3rverProcess());
  p->temp_ = std::make_unique<TempDir>();
  p->directory_ = p->temp_->path() / "s3";
  std::filesystem::create_directories(p->directory_);
  p->port_ = FreeLoopbackPort();
  std::vector<std::string> args = {
      "node", S3rverScript().string(),  "-d",       p->directory_.string(), "-a",       "127.0.0.1",
      "-p",   std::to_string(p->port_), "--silent", "--service-endpoint",   "localhost"};
  for (const auto& bucket : buckets) {
    args.push_back("--configure-bucket");
    args.push_back(bucket);
  }
  const std::string log = (p->temp_->path() / "s3rver.log").string();
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    FILE* out = std::fopen(log.c_str(), "w");
    if (out) {
      ::dup2(fileno(out), STDERR_FILENO);
      ::dup2(fileno(out), STDOUT_FILENO);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    std::_Exit(127);
  }
  p->pid_ = pid;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    httplib::Client client("127.0.0.1", p->port_);
    client.set_connection_timeout(std::chrono::milliseconds(200));
    if (auto res = client.Get("/"); res && res->status == 200) return p;
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      p->pid_ = -1;
      throw std::runtime_error("s3rver exited during start-up; its log: " + ReadFileBytes(log));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw std::runtime_error("s3rver did not answer in time; its log: " + ReadFileBytes(log));
}

S3rverProcess::~S3rverProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

}  // namespace iris::testing
