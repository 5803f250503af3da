// Fuzz target: collection log replay (index/collection_log.h), what a collection reads at start-up
// from disk after a crash or a bad disk: the input is written as a log file and replayed read-only.
// Replay must stop at the first bad record with an error or skip a torn tail, never crash or
// allocate what the file's size does not justify.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "fuzz_target.h"
#include "index/collection_log.h"

namespace {

const std::filesystem::path& LogPath() {
  static const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("iris-fuzz-collection-log-" + std::to_string(::getpid()) + ".log");
  return path;
}

std::string WriteSampleLog() {
  const auto path = std::filesystem::temp_directory_path() / ("iris-fuzz-seed-" + std::to_string(::getpid()));
  std::filesystem::remove(path);
  std::string bytes;
  if (!iris::CollectionLog::Create(path, 0).ok()) return bytes;
  auto log = iris::CollectionLog::Open(path, [](const iris::LogRecord&) { return iris::Status::Ok(); });
  if (!log.ok()) return bytes;
  iris::LogRecord upsert;
  upsert.id = "item-1";
  upsert.vector = {0.6f, 0.8f, 0.f};
  upsert.metadata = {{"sku", "A-1"}, {"tags", {"red", "dress"}}};
  (void)(*log)->Append(upsert);
  iris::LogRecord removal;
  removal.type = iris::LogRecord::Type::kDelete;
  removal.id = "item-1";
  (void)(*log)->Append(removal);
  log->reset();
  std::ifstream in(path, std::ios::binary);
  bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  std::filesystem::remove(path);
  return bytes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  {
    std::ofstream out(LogPath(), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  std::size_t records = 0;
  (void)iris::CollectionLog::Replay(LogPath(), [&](const iris::LogRecord&) {
    ++records;
    return iris::Status::Ok();
  });
  return 0;
}

std::vector<std::string> IrisFuzzSeeds() {
  std::string log = WriteSampleLog();
  std::string torn = log.substr(0, log.size() > 7 ? log.size() - 7 : 0);
  return {log, torn};
}
