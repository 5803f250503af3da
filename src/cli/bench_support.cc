#include "cli/bench_support.h"

#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "models/model_store.h"
#include "runtime/onnx_session.h"

namespace iris::cli {
namespace fs = std::filesystem;

Result<std::vector<std::pair<std::string, std::string>>> LoadBenchImages(const std::string& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    auto ext = entry.path().extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
    if (ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".webp") files.push_back(entry.path());
  }
  if (ec) return InvalidArgument("cannot read " + dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
  if (files.size() > 64) files.resize(64);
  if (files.empty()) return InvalidArgument("no .jpg/.png/.webp images in " + dir);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    out.push_back({f.filename().string(), s.str()});
  }
  return out;
}

Result<LoadTarget> ParseHttpUrl(const std::string& url) {
  const std::string prefix = "http://";
  if (url.rfind(prefix, 0) != 0) return InvalidArgument("only http:// URLs can be benchmarked: " + url);
  std::string rest = url.substr(prefix.size());
  auto slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  LoadTarget t;
  t.path = slash == std::string::npos ? "/" : rest.substr(slash);
  auto colon = hostport.rfind(':');
  t.host = hostport.substr(0, colon);
  t.port = colon == std::string::npos ? 80 : std::atoi(hostport.substr(colon + 1).c_str());
  if (t.host.empty() || t.port <= 0) return InvalidArgument("bad URL " + url);
  return t;
}

Result<ProcessMemory> ReadProcessMemory(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  if (!in) return NotFound("no process " + std::to_string(pid));
  ProcessMemory mem;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) mem.rss_mb = std::atof(line.c_str() + 6) / 1024.0;
    if (line.rfind("VmHWM:", 0) == 0) mem.peak_rss_mb = std::atof(line.c_str() + 6) / 1024.0;
  }
  return mem;
}

namespace {

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

Result<fs::path> VisionModelPath(const std::string& model) {
  if (fs::is_regular_file(model)) return fs::path(model);
  if (fs::is_directory(model)) {
    for (const char* name : {"vision_model.onnx", "onnx/vision_model.onnx", "model.onnx"}) {
      if (fs::exists(fs::path(model) / name)) return fs::path(model) / name;
    }
    return NotFound("no vision_model.onnx in " + model);
  }
  auto config = LoadConfig("", ProcessEnv(), {});
  if (!config.ok()) return config.status();
  auto catalog = models::ModelCatalog::LoadDefault(ProcessEnv());
  if (!catalog.ok()) return catalog.status();
  models::ModelStore store(*catalog, config->models.dir, config->models.mirror);
  return store.ResolveModelFile(model, "vision");
}

}  // namespace

Result<std::unique_ptr<ChildServer>> ChildServer::Start(const std::string& model) {
  std::unique_ptr<ChildServer> s(new ChildServer());
  s->port_ = FreePort();
  char tmpl[] = "/tmp/iris-bench-XXXXXX";
  if (!::mkdtemp(tmpl)) return Internal("mkdtemp failed");
  s->data_dir_ = tmpl;
  std::string model_name = model;
  std::vector<std::string> args = {"/proc/self/exe", "serve",      "--port",      std::to_string(s->port_),
                                   "--data-dir",     s->data_dir_, "--log-level", "warn"};
  if (fs::is_directory(model)) {
    model_name = "bench";
    args.push_back("--local-models");
    args.push_back("bench=" + fs::absolute(model).string());
  }
  for (const std::string& a :
       {std::string("--default-clip-model"), model_name, std::string("--preload-models"), model_name}) {
    args.push_back(a);
  }
  const std::string log = s->data_dir_ + "/server.log";
  pid_t pid = ::fork();
  if (pid < 0) return Internal("fork failed");
  if (pid == 0) {
    FILE* f = std::fopen(log.c_str(), "w");
    if (f) {
      ::dup2(fileno(f), STDERR_FILENO);
      ::dup2(fileno(f), STDOUT_FILENO);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv("/proc/self/exe", argv.data());
    std::_Exit(127);
  }
  s->pid_ = pid;
  httplib::Client client("127.0.0.1", s->port_);
  for (int i = 0; i < 1200; ++i) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      s->pid_ = -1;
      std::ifstream in(log);
      std::stringstream text;
      text << in.rdbuf();
      return Internal("iris serve exited during start-up:\n" + text.str());
    }
    if (auto res = client.Get("/readyz"); res && res->status == 200) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return DeadlineExceeded("iris serve was not ready after 120 s (log: " + log + ")");
}

ChildServer::~ChildServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  std::error_code ec;
  if (!data_dir_.empty()) fs::remove_all(data_dir_, ec);
}

Result<BareModelTiming> TimeBareModel(const std::string& model, const RuntimeConfig& runtime, int batch,
                                      int iterations) {
  IRIS_ASSIGN_OR_RETURN(fs::path path, VisionModelPath(model));
  IRIS_ASSIGN_OR_RETURN(auto session, OnnxSession::Load(path, runtime));
  if (session->io().inputs.size() != 1 || session->io().inputs[0].shape.size() != 4) {
    return FailedPrecondition("bench model needs one NCHW image input");
  }
  auto shape = session->io().inputs[0].shape;
  shape[0] = batch;
  for (auto& d : shape) {
    if (d < 0) d = 224;
  }
  IRIS_ASSIGN_OR_RETURN(Tensor input, Tensor::Zeros(ElementType::kFloat32, shape));
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
  for (float& v : input.mutable_values<float>()) v = dist(rng);
  std::vector<Tensor> inputs;
  inputs.push_back(std::move(input));
  for (int i = 0; i < 2; ++i) IRIS_RETURN_IF_ERROR(session->Run(inputs).status());
  std::vector<double> ms;
  for (int i = 0; i < std::max(1, iterations); ++i) {
    auto t0 = std::chrono::steady_clock::now();
    IRIS_RETURN_IF_ERROR(session->Run(inputs).status());
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return BareModelTiming{ms[ms.size() / 2]};
}

}  // namespace iris::cli
