// CollectionLog: the append-only write-ahead log of one collection's upserts and deletes.
//
// File layout (integers little-endian):
//   header, 24 bytes: magic "IRISWAL1", u32 format version (1), u64 base sequence, u32 CRC-32C of
//                     the 20 bytes before it. Records in the file have sequences base+1, base+2, ...
//   records, each:    u32 payload length L, u32 CRC-32C of the payload, u32 CRC-32C of those 8
//                     bytes, then L payload bytes: u64 sequence, u8 type (1 upsert, 2 delete),
//                     u32 id length + id, and for upserts u32 dim + dim floats + u32 length + metadata
//                     JSON text.
//
// Durability: Append/AppendBatch write the records and fsync the file before returning; a batch is
// one write and one fsync (group commit). A record whose Append returned OK survives kill -9 and
// power loss (as far as fsync is honest).
//
// Replay (Open): records are checked in order. A damaged record at the END of the file is the
// remains of an interrupted append: a frame cut short, a last record whose payload checksum fails,
// or trailing zero bytes. Open truncates it away (and fsyncs) and reports the bytes dropped. Any
// other damage (a record with a bad checksum followed by more data, a payload that does not decode,
// a sequence that does not follow its predecessor, a bad file header) is FailedPrecondition naming
// the file and byte offset: that is lost acknowledged data and must not be skipped silently.
//
// Ownership: owns its file descriptor. Thread-safety: Append/AppendBatch may be called from several
// threads (serialised internally); DurableCollection orders appends with its own writer lock.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace iris {

inline constexpr std::uint32_t kCollectionLogVersion = 1;

struct LogRecord {
  enum class Type : std::uint8_t { kUpsert = 1, kDelete = 2 };
  std::uint64_t sequence = 0;  // assigned by Append; read back by replay
  Type type = Type::kUpsert;
  std::string id;
  std::vector<float> vector;                           // upserts only
  nlohmann::json metadata = nlohmann::json::object();  // upserts only
};

// CRC-32C (Castagnoli), as used by the log; exposed for tests.
std::uint32_t Crc32c(std::string_view bytes);

class CollectionLog {
 public:
  struct ReplayStats {
    std::uint64_t records = 0;          // valid records read
    std::uint64_t truncated_bytes = 0;  // torn tail removed
  };

  // Creates a new empty log at `path` (temp file + fsync + rename + directory fsync) whose first
  // record will have sequence base_sequence + 1. AlreadyExists if the path exists.
  static Status Create(const std::filesystem::path& path, std::uint64_t base_sequence);

  // Opens an existing log, calls `apply` for every valid record in order (an error from apply stops
  // the replay and is returned), truncates a torn tail, and returns the log ready for appends.
  static Result<std::unique_ptr<CollectionLog>> Open(const std::filesystem::path& path,
                                                     const std::function<Status(const LogRecord&)>& apply,
                                                     ReplayStats* stats = nullptr);

  // Reads a log without modifying it (a torn tail is skipped, not truncated). Same errors as Open.
  static Status Replay(const std::filesystem::path& path, const std::function<Status(const LogRecord&)>& apply,
                       ReplayStats* stats = nullptr);

  ~CollectionLog();
  CollectionLog(const CollectionLog&) = delete;
  CollectionLog& operator=(const CollectionLog&) = delete;

  // Assigns the next sequence, writes and fsyncs. Returns the record's sequence.
  Result<std::uint64_t> Append(LogRecord record);
  // Assigns consecutive sequences to all records (written back into them), one write, one fsync.
  // Returns the last sequence (last_sequence() unchanged for an empty batch). On failure the file is
  // cut back to its previous end, so no partial batch is left behind to be replayed.
  Result<std::uint64_t> AppendBatch(std::span<LogRecord> records);

  std::uint64_t base_sequence() const { return base_sequence_; }
  // Sequence of the last record in the file (base_sequence() when empty).
  std::uint64_t last_sequence() const;
  const std::filesystem::path& path() const { return path_; }

 private:
  CollectionLog(std::filesystem::path path, int fd, std::uint64_t base, std::uint64_t last, std::uint64_t end);

  const std::filesystem::path path_;
  int fd_;
  const std::uint64_t base_sequence_;
  mutable std::mutex mutex_;
  std::uint64_t last_sequence_;
  std::uint64_t end_offset_;
  bool broken_ = false;  // a failed append could not be cut back: refuse further appends
};

}  // namespace iris
