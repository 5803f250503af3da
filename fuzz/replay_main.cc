// Replay driver for a fuzz target in a normal (non-libFuzzer) build: runs LLVMFuzzerTestOneInput on
// every file named on the command line or found (recursively) in a named folder, then on the target's
// own seeds. A crash fails the process, so the ctest that runs it fails.
//   iris_fuzz_replay_<target> [PATH...]          replay files and folders
//   iris_fuzz_replay_<target> --write-seeds DIR  write IrisFuzzSeeds() to DIR/seed-<n> (for scripts/fuzz.sh)
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include "fuzz_target.h"

namespace {

namespace fs = std::filesystem;

int RunOne(const std::string& bytes) {
  return LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--write-seeds") {
    fs::create_directories(argv[2]);
    int n = 0;
    for (const std::string& seed : IrisFuzzSeeds()) {
      std::ofstream out(fs::path(argv[2]) / ("seed-" + std::to_string(n++)), std::ios::binary);
      out << seed;
    }
    std::cout << "wrote " << n << " seeds to " << argv[2] << "\n";
    return 0;
  }
  std::size_t inputs = 0;
  for (int i = 1; i < argc; ++i) {
    const fs::path path = argv[i];
    if (fs::is_directory(path)) {
      for (const auto& entry : fs::recursive_directory_iterator(path)) {
        if (!entry.is_regular_file() || entry.path().filename() == "README.md") continue;
        RunOne(ReadAll(entry.path()));
        ++inputs;
      }
    } else if (fs::is_regular_file(path)) {
      RunOne(ReadAll(path));
      ++inputs;
    } else {
      std::cerr << "replay: no such file or folder: " << path << "\n";
      return 2;
    }
  }
  for (const std::string& seed : IrisFuzzSeeds()) {
    RunOne(seed);
    ++inputs;
  }
  std::cout << "replayed " << inputs << " inputs without a crash\n";
  return 0;
}
