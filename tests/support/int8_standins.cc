#include "support/int8_standins.h"

#include <sys/wait.h>

#include <cstdio>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "support/shared_data.h"
#include "support/temp_dir.h"

namespace iris::testing {
namespace {

namespace fs = std::filesystem;

void Run(const std::string& command) {
  std::string output;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run: " + command);
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) output.append(buf, n);
  const int status = ::pclose(pipe);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error(
        "making an int8 stand-in failed (needs Debian's python3-onnx and python3-numpy, see "
        "scripts/setup.sh): " +
        command + "\n" + output);
  }
}

// Made once per process and removed when the process exits (a static, so neither a leak nor litter in /tmp).
fs::path MakeMirror() {
  static std::unique_ptr<TempDir> holder;
  holder = std::make_unique<TempDir>();
  TempDir* dir = holder.get();
  const fs::path tool = RequireShared("tools/quantize_dynamic.py");
  for (const std::string standin : {"tiny", "colors"}) {
    const fs::path from = RequireShared("models/clip-standin-" + standin);
    const fs::path to = dir->path() / ("clip-standin-" + standin + "-int8");
    fs::create_directories(to);
    for (const char* file : {"vocab.json", "merges.txt", "tokenizer.json", "preprocessor_config.json"}) {
      fs::copy_file(from / file, to / file);
    }
    for (const char* tower : {"vision_model.onnx", "text_model.onnx"}) {
      Run("/usr/bin/python3 '" + tool.string() + "' '" + (from / tower).string() + "' '" + (to / tower).string() + "'");
    }
  }
  return dir->path();
}

}  // namespace

fs::path Int8StandInMirror() {
  static std::mutex mu;
  static fs::path mirror;
  std::lock_guard lock(mu);
  if (mirror.empty()) mirror = MakeMirror();
  return mirror;
}

fs::path StandInFolder(const std::string& standin, const std::string& variant) {
  if (variant == "int8") return Int8StandInMirror() / ("clip-standin-" + standin + "-int8");
  if (variant != "fp32") throw std::invalid_argument("stand-in variant must be fp32 or int8, not " + variant);
  return RequireShared("models/clip-standin-" + standin);
}

}  // namespace iris::testing
