// Pieces of `iris bench`: loading the images to send, running a child `iris serve` with a model,
// reading a process's memory, timing a bare ONNX session. Not thread-safe; CLI use only.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cli/http_load_generator.h"
#include "core/config.h"
#include "core/result.h"

namespace iris::cli {

// Every .jpg/.jpeg/.png/.webp in the folder (sorted, at most 64): (file name, bytes).
Result<std::vector<std::pair<std::string, std::string>>> LoadBenchImages(const std::string& dir);

// "http://host:port/path?query" -> LoadTarget (http only).
Result<LoadTarget> ParseHttpUrl(const std::string& url);

struct ProcessMemory {
  double rss_mb = 0;
  double peak_rss_mb = 0;  // VmHWM
};
Result<ProcessMemory> ReadProcessMemory(int pid);

// `iris serve` started from this same binary on a free loopback port with `model` (a folder, served
// as local model "bench", or a catalog name) preloaded and made the default CLIP model. Start()
// returns once /readyz answers 200. The destructor stops it with SIGTERM.
class ChildServer {
 public:
  static Result<std::unique_ptr<ChildServer>> Start(const std::string& model);
  ~ChildServer();
  int pid() const { return pid_; }
  int port() const { return port_; }

 private:
  ChildServer() = default;
  int pid_ = -1;
  int port_ = 0;
  std::string data_dir_;
};

struct BareModelTiming {
  double median_batch_ms = 0;
};
// Loads the model's vision session (folder or catalog name) and times `iterations` runs of one
// batch of `batch` preprocessed inputs, after two warm-up runs.
Result<BareModelTiming> TimeBareModel(const std::string& model, const RuntimeConfig& runtime, int batch,
                                      int iterations);

}  // namespace iris::cli
