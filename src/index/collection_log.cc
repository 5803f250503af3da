#include "index/collection_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <random>
#include <utility>

#include "core/file_error.h"
#include "core/json_limits.h"
#include "index/raw_fields.h"

namespace iris {
namespace {

constexpr char kMagic[8] = {'I', 'R', 'I', 'S', 'W', 'A', 'L', '1'};
constexpr size_t kHeaderSize = 24;
constexpr size_t kFrameHeaderSize = 12;
constexpr std::uint32_t kMaxPayload = 1u << 30;

std::array<std::uint32_t, 256> MakeCrcTable() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t crc = i;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1u) ? 0x82F63B78u : 0u);
    table[i] = crc;
  }
  return table;
}

Status WriteAll(int fd, std::string_view bytes, std::uint64_t offset, const std::filesystem::path& path) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::pwrite(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return FileError("cannot write", path, errno);
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status SyncDirectoryOf(const std::filesystem::path& path) {
  const std::filesystem::path directory = path.parent_path().empty() ? "." : path.parent_path();
  int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return FileError("cannot open directory", directory, errno);
  const int result = ::fsync(fd);
  ::close(fd);
  if (result != 0) return FileError("cannot fsync directory", directory, errno);
  return Status::Ok();
}

std::string EncodeHeader(std::uint64_t base_sequence) {
  std::string header(kMagic, sizeof(kMagic));
  AppendRaw<std::uint32_t>(header, kCollectionLogVersion);
  AppendRaw<std::uint64_t>(header, base_sequence);
  AppendRaw<std::uint32_t>(header, Crc32c(header));
  return header;
}

void EncodeRecord(const LogRecord& record, std::string& out) {
  std::string payload;
  AppendRaw<std::uint64_t>(payload, record.sequence);
  AppendRaw<std::uint8_t>(payload, static_cast<std::uint8_t>(record.type));
  AppendRaw<std::uint32_t>(payload, static_cast<std::uint32_t>(record.id.size()));
  payload += record.id;
  if (record.type == LogRecord::Type::kUpsert) {
    AppendRaw<std::uint32_t>(payload, static_cast<std::uint32_t>(record.vector.size()));
    payload.append(reinterpret_cast<const char*>(record.vector.data()), record.vector.size() * sizeof(float));
    const std::string metadata = record.metadata.dump();
    AppendRaw<std::uint32_t>(payload, static_cast<std::uint32_t>(metadata.size()));
    payload += metadata;
  }
  std::string frame;
  AppendRaw<std::uint32_t>(frame, static_cast<std::uint32_t>(payload.size()));
  AppendRaw<std::uint32_t>(frame, Crc32c(payload));
  AppendRaw<std::uint32_t>(frame, Crc32c(frame));
  out += frame;
  out += payload;
}

// Decodes a payload whose checksum already matched; false if its structure is wrong. Metadata nested
// deeper than any Iris writes is never built (json_limits.h): that record does not decode.
bool DecodePayload(std::string_view payload, LogRecord& record) {
  size_t at = 0;
  auto need = [&](size_t bytes) { return payload.size() - at >= bytes; };
  if (!need(13)) return false;
  record.sequence = ReadRaw<std::uint64_t>(payload, 0);
  const auto type = ReadRaw<std::uint8_t>(payload, 8);
  const auto id_size = ReadRaw<std::uint32_t>(payload, 9);
  at = 13;
  if (type != 1 && type != 2) return false;
  record.type = static_cast<LogRecord::Type>(type);
  if (!need(id_size)) return false;
  record.id.assign(payload.substr(at, id_size));
  at += id_size;
  record.vector.clear();
  record.metadata = nlohmann::json::object();
  if (record.type == LogRecord::Type::kUpsert) {
    if (!need(4)) return false;
    const auto dim = ReadRaw<std::uint32_t>(payload, at);
    at += 4;
    if (!need(static_cast<size_t>(dim) * sizeof(float))) return false;
    record.vector.resize(dim);
    std::memcpy(record.vector.data(), payload.data() + at, static_cast<size_t>(dim) * sizeof(float));
    at += static_cast<size_t>(dim) * sizeof(float);
    if (!need(4)) return false;
    const auto metadata_size = ReadRaw<std::uint32_t>(payload, at);
    at += 4;
    if (!need(metadata_size)) return false;
    Result<nlohmann::json> metadata = ParseBoundedJson(payload.substr(at, metadata_size), kMaxStoredJsonDepth);
    if (!metadata.ok() || !metadata->is_object()) return false;
    record.metadata = std::move(metadata).value();
    at += metadata_size;
  }
  return at == payload.size();
}

Result<std::string> ReadWholeFile(int fd, const std::filesystem::path& path) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) return FileError("cannot stat", path, errno);
  std::string bytes(static_cast<size_t>(info.st_size), '\0');
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::pread(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return FileError("cannot read", path, errno);
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  bytes.resize(done);
  return bytes;
}

struct Scan {
  std::uint64_t base = 0;
  std::uint64_t last = 0;
  std::uint64_t good_end = 0;  // offset just past the last valid record
  std::uint64_t file_size = 0;
};

Status Corrupt(const std::filesystem::path& path, std::uint64_t offset, const std::string& why) {
  return FailedPrecondition("collection log " + path.string() + " is corrupt at byte offset " + std::to_string(offset) +
                            ": " + why);
}

bool AllZero(std::string_view bytes) {
  for (char c : bytes) {
    if (c != 0) return false;
  }
  return true;
}

Result<Scan> ScanLog(const std::string& bytes, const std::filesystem::path& path,
                     const std::function<Status(const LogRecord&)>& apply, CollectionLog::ReplayStats* stats) {
  const std::string_view data(bytes);
  if (data.size() < kHeaderSize || std::memcmp(data.data(), kMagic, sizeof(kMagic)) != 0 ||
      ReadRaw<std::uint32_t>(data, 20) != Crc32c(data.substr(0, 20))) {
    return Corrupt(path, 0, "bad or truncated file header (not an Iris collection log)");
  }
  if (ReadRaw<std::uint32_t>(data, 8) != kCollectionLogVersion) {
    return FailedPrecondition("collection log " + path.string() + " has format version " +
                              std::to_string(ReadRaw<std::uint32_t>(data, 8)) + ", this build reads version " +
                              std::to_string(kCollectionLogVersion));
  }
  Scan scan;
  scan.base = ReadRaw<std::uint64_t>(data, 12);
  scan.last = scan.base;
  scan.file_size = data.size();
  std::uint64_t at = kHeaderSize;
  LogRecord record;
  while (at < data.size()) {
    const std::string_view rest = data.substr(at);
    if (rest.size() < kFrameHeaderSize) break;  // torn frame header
    const auto length = ReadRaw<std::uint32_t>(rest, 0);
    const auto payload_crc = ReadRaw<std::uint32_t>(rest, 4);
    if (ReadRaw<std::uint32_t>(rest, 8) != Crc32c(rest.substr(0, 8))) {
      if (AllZero(rest)) break;  // zero-filled tail of an interrupted append
      return Corrupt(path, at, "record header checksum mismatch");
    }
    if (length > kMaxPayload) return Corrupt(path, at, "record length out of range");
    if (rest.size() - kFrameHeaderSize < length) break;  // payload cut short
    const std::string_view payload = rest.substr(kFrameHeaderSize, length);
    const std::uint64_t next = at + kFrameHeaderSize + length;
    if (Crc32c(payload) != payload_crc) {
      if (next == data.size()) break;  // the last record, partly written
      return Corrupt(path, at, "record checksum mismatch with more records after it");
    }
    if (!DecodePayload(payload, record)) return Corrupt(path, at, "record does not decode");
    if (record.sequence != scan.last + 1) {
      return Corrupt(path, at,
                     "sequence " + std::to_string(record.sequence) + " does not follow " + std::to_string(scan.last));
    }
    if (apply) IRIS_RETURN_IF_ERROR(apply(record));
    scan.last = record.sequence;
    scan.good_end = next;
    if (stats) ++stats->records;
    at = next;
  }
  if (scan.good_end == 0) scan.good_end = kHeaderSize;
  if (stats) stats->truncated_bytes = data.size() - scan.good_end;
  return scan;
}

}  // namespace

std::uint32_t Crc32c(std::string_view bytes) {
  static const std::array<std::uint32_t, 256> kTable = MakeCrcTable();
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : bytes) crc = kTable[(crc ^ c) & 0xFFu] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

Status CollectionLog::Create(const std::filesystem::path& path, std::uint64_t base_sequence) {
  std::error_code error;
  if (std::filesystem::exists(path, error)) return AlreadyExists("collection log " + path.string() + " exists");
  std::random_device random;
  std::filesystem::path temp = path;
  temp += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(random());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return FileError("cannot create", temp, errno);
  Status written = WriteAll(fd, EncodeHeader(base_sequence), 0, temp);
  if (written.ok() && ::fsync(fd) != 0) written = FileError("cannot fsync", temp, errno);
  ::close(fd);
  if (written.ok() && ::rename(temp.c_str(), path.c_str()) != 0) written = FileError("cannot rename to", path, errno);
  if (!written.ok()) {
    std::filesystem::remove(temp, error);
    return written;
  }
  return SyncDirectoryOf(path);
}

Status CollectionLog::Replay(const std::filesystem::path& path, const std::function<Status(const LogRecord&)>& apply,
                             ReplayStats* stats) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFound("collection log " + path.string() + " does not exist");
    return FileError("cannot open", path, errno);
  }
  Result<std::string> bytes = ReadWholeFile(fd, path);
  ::close(fd);
  if (!bytes.ok()) return bytes.status();
  if (stats) *stats = {};
  return ScanLog(*bytes, path, apply, stats).status();
}

Result<std::unique_ptr<CollectionLog>> CollectionLog::Open(const std::filesystem::path& path,
                                                           const std::function<Status(const LogRecord&)>& apply,
                                                           ReplayStats* stats) {
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFound("collection log " + path.string() + " does not exist");
    return FileError("cannot open", path, errno);
  }
  std::unique_ptr<CollectionLog> log;
  Status status = [&]() -> Status {
    IRIS_ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(fd, path));
    if (stats) *stats = {};
    IRIS_ASSIGN_OR_RETURN(Scan scan, ScanLog(bytes, path, apply, stats));
    if (scan.good_end != scan.file_size) {
      if (::ftruncate(fd, static_cast<off_t>(scan.good_end)) != 0 || ::fsync(fd) != 0) {
        return FileError("cannot truncate the torn tail of", path, errno);
      }
    }
    log.reset(new CollectionLog(path, fd, scan.base, scan.last, scan.good_end));
    return Status::Ok();
  }();
  if (!status.ok()) {
    ::close(fd);
    return status;
  }
  return log;
}

CollectionLog::CollectionLog(std::filesystem::path path, int fd, std::uint64_t base, std::uint64_t last,
                             std::uint64_t end)
    : path_(std::move(path)), fd_(fd), base_sequence_(base), last_sequence_(last), end_offset_(end) {}

CollectionLog::~CollectionLog() { ::close(fd_); }

std::uint64_t CollectionLog::last_sequence() const {
  std::lock_guard lock(mutex_);
  return last_sequence_;
}

Result<std::uint64_t> CollectionLog::Append(LogRecord record) { return AppendBatch(std::span<LogRecord>(&record, 1)); }

Result<std::uint64_t> CollectionLog::AppendBatch(std::span<LogRecord> records) {
  std::lock_guard lock(mutex_);
  if (broken_) return Internal("collection log " + path_.string() + " failed earlier and takes no more appends");
  if (records.empty()) return last_sequence_;
  std::string bytes;
  std::uint64_t sequence = last_sequence_;
  for (LogRecord& record : records) {
    record.sequence = ++sequence;
    EncodeRecord(record, bytes);
  }
  Status status = WriteAll(fd_, bytes, end_offset_, path_);
  if (status.ok() && ::fdatasync(fd_) != 0) status = FileError("cannot fsync", path_, errno);
  if (!status.ok()) {
    // Leave no partial batch behind; if even this fails, replay will treat it as a torn tail.
    if (::ftruncate(fd_, static_cast<off_t>(end_offset_)) != 0 || ::fdatasync(fd_) != 0) broken_ = true;
    return status;
  }
  end_offset_ += bytes.size();
  last_sequence_ = sequence;
  return sequence;
}

}  // namespace iris
