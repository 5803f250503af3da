#include "index/durable_collection.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <utility>

#include "core/file_error.h"
#include "core/json_limits.h"
#include "core/logging.h"
#include "core/utc_time.h"

namespace iris {
namespace {

constexpr char kMetaFile[] = "collection.meta.json";
constexpr int kMetaFormatVersion = 1;

std::string SequenceName(const char* prefix, std::uint64_t sequence, const char* suffix) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%s%020" PRIu64 "%s", prefix, sequence, suffix);
  return buffer;
}
std::string SnapshotName(std::uint64_t sequence) { return SequenceName("snapshot-", sequence, ".irishnsw"); }
std::string LogName(std::uint64_t sequence) { return SequenceName("log-", sequence, ".iriswal"); }

// Parses "<prefix><20 digits><suffix>"; nullopt for any other name (temp files included).
std::optional<std::uint64_t> ParseSequenceName(const std::string& name, std::string_view prefix,
                                               std::string_view suffix) {
  if (name.size() != prefix.size() + 20 + suffix.size() || !name.starts_with(prefix) || !name.ends_with(suffix)) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  for (size_t i = prefix.size(); i < prefix.size() + 20; ++i) {
    if (name[i] < '0' || name[i] > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(name[i] - '0');
  }
  return value;
}

struct DirectoryFiles {
  std::vector<std::uint64_t> snapshots;  // ascending
  std::vector<std::uint64_t> logs;       // ascending
  std::vector<std::filesystem::path> temporaries;
};

Result<DirectoryFiles> ListFiles(const std::filesystem::path& directory) {
  DirectoryFiles files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    const std::string name = entry.path().filename().string();
    if (auto s = ParseSequenceName(name, "snapshot-", ".irishnsw")) {
      files.snapshots.push_back(*s);
    } else if (auto b = ParseSequenceName(name, "log-", ".iriswal")) {
      files.logs.push_back(*b);
    } else if (name.find(".tmp-") != std::string::npos) {
      files.temporaries.push_back(entry.path());
    }
  }
  if (error) return FileError("cannot list", directory, error.value());
  std::sort(files.snapshots.begin(), files.snapshots.end());
  std::sort(files.logs.begin(), files.logs.end());
  return files;
}

Status SyncDirectory(const std::filesystem::path& directory) {
  int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return FileError("cannot open directory", directory, errno);
  const int result = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (result != 0) return FileError("cannot fsync directory", directory, error);
  return Status::Ok();
}

Status WriteFileAtomically(const std::filesystem::path& path, const std::string& bytes) {
  std::random_device random;
  std::filesystem::path temp = path;
  temp += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(random());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return FileError("cannot create", temp, errno);
  // A short write (the disk filled up part-way) is retried: the retry reports the errno (ENOSPC).
  bool ok = true;
  for (std::size_t done = 0; ok && done < bytes.size();) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  int error = errno;
  ::close(fd);
  if (ok) {
    ok = ::rename(temp.c_str(), path.c_str()) == 0;
    error = errno;
  }
  if (!ok) {
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    return FileError("cannot write", path, error);
  }
  return SyncDirectory(path.parent_path());
}

nlohmann::json MetaJson(const DurableCollectionOptions& options) {
  return {{"format_version", kMetaFormatVersion},
          {"name", options.name},
          {"model", options.model},
          {"dim", options.index.dim},
          {"metric", std::string(MetricName(options.index.metric))},
          {"m", options.index.m},
          {"ef_construction", options.index.ef_construction},
          {"ef_search", options.index.ef_search},
          {"created", options.created}};
}

Result<DurableCollectionOptions> ReadMeta(const std::filesystem::path& path) {
  std::ifstream input(path, std::ios::binary);
  if (!input) {
    // errno is what the failed open() left; only a missing file means "no collection here".
    const int error = errno;
    if (error != ENOENT && error != 0) return FileError("cannot open", path, error);
    return NotFound("no collection at " + path.parent_path().string() + " (" + path.string() + " missing)");
  }
  std::ostringstream text;
  text << input.rdbuf();
  auto bad = [&](const std::string& why) {
    return FailedPrecondition("collection meta " + path.string() + ": " + why);
  };
  try {
    Result<nlohmann::json> parsed = ParseBoundedJson(text.str(), kMaxStoredJsonDepth);
    if (!parsed.ok()) return bad(parsed.status().message());
    if (parsed->is_discarded()) return bad("not valid JSON");
    const nlohmann::json& meta = *parsed;
    if (meta.at("format_version").get<int>() != kMetaFormatVersion) return bad("unsupported format_version");
    DurableCollectionOptions options;
    options.name = meta.at("name").get<std::string>();
    options.model = meta.at("model").get<std::string>();
    options.created = meta.at("created").get<std::string>();
    options.index.dim = meta.at("dim").get<int>();
    const std::optional<Metric> metric = ParseMetric(meta.at("metric").get<std::string>());
    if (!metric) return bad("unknown metric");
    options.index.metric = *metric;
    options.index.m = meta.at("m").get<int>();
    options.index.ef_construction = meta.at("ef_construction").get<int>();
    options.index.ef_search = meta.at("ef_search").get<int>();
    return options;
  } catch (const nlohmann::json::exception& error) {
    return bad(error.what());
  }
}

}  // namespace

DurableCollection::DurableCollection(std::filesystem::path directory, DurableCollectionOptions options)
    : directory_(std::move(directory)), options_(std::move(options)) {}

DurableCollection::~DurableCollection() = default;

Result<std::unique_ptr<DurableCollection>> DurableCollection::Create(const std::filesystem::path& directory,
                                                                     DurableCollectionOptions options) {
  if (options.name.empty()) return InvalidArgument("collection name must not be empty");
  IRIS_RETURN_IF_ERROR(HnswCollection::Create(options.index).status());  // validates the index options
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) return FileError("cannot create", directory, error.value());
  if (std::filesystem::exists(directory / kMetaFile)) {
    return AlreadyExists("a collection already exists in " + directory.string());
  }
  options.created = UtcNowIso8601();
  // The log first: a directory with a meta file is a collection, so the meta file comes last.
  if (!std::filesystem::exists(directory / LogName(0)))
    IRIS_RETURN_IF_ERROR(CollectionLog::Create(directory / LogName(0), 0));
  IRIS_RETURN_IF_ERROR(WriteFileAtomically(directory / kMetaFile, MetaJson(options).dump(2) + "\n"));
  return Open(directory);
}

Status DurableCollection::RemoveDirectory(const std::filesystem::path& directory) {
  for (const std::filesystem::path& name : {std::filesystem::path(kMetaFile), std::filesystem::path(LogName(0))}) {
    if (::unlink((directory / name).c_str()) != 0 && errno != ENOENT) break;  // the recursive removal reports it
  }
  if (::rmdir(directory.c_str()) == 0 || errno == ENOENT) return Status::Ok();
  std::error_code error;
  std::filesystem::remove_all(directory, error);
  if (error) return FileError("cannot remove", directory, error.value());
  return Status::Ok();
}

Result<std::unique_ptr<DurableCollection>> DurableCollection::Open(const std::filesystem::path& directory) {
  IRIS_ASSIGN_OR_RETURN(DurableCollectionOptions options, ReadMeta(directory / kMetaFile));
  IRIS_ASSIGN_OR_RETURN(DirectoryFiles files, ListFiles(directory));
  std::unique_ptr<DurableCollection> collection(new DurableCollection(directory, options));

  std::uint64_t snapshot = 0;
  if (!files.snapshots.empty()) {
    snapshot = files.snapshots.back();
    const std::filesystem::path path = directory / SnapshotName(snapshot);
    Result<std::unique_ptr<HnswCollection>> loaded = HnswCollection::Load(path);
    if (!loaded.ok()) {
      // Never fall back to an empty (or older) collection: that would silently lose writes.
      return FailedPrecondition("cannot load snapshot: " + loaded.status().message());
    }
    collection->index_ = std::move(loaded).value();
    const CollectionOptions& loaded_options = collection->index_->options();
    if (loaded_options.dim != options.index.dim || loaded_options.metric != options.index.metric) {
      return FailedPrecondition("snapshot " + path.string() + " does not match " + kMetaFile + " (dim or metric)");
    }
  } else {
    IRIS_ASSIGN_OR_RETURN(collection->index_, HnswCollection::Create(options.index));
  }
  collection->snapshot_sequence_ = snapshot;

  // Replay every log in order; only records after the snapshot are applied, without gaps.
  std::uint64_t expected = snapshot + 1;
  auto apply = [&](const LogRecord& record) -> Status {
    if (record.sequence <= snapshot) return Status::Ok();
    if (record.sequence != expected) {
      return FailedPrecondition("collection " + directory.string() + ": log record " + std::to_string(record.sequence) +
                                " follows " + std::to_string(expected - 1) + " (a log file is missing)");
    }
    ++expected;
    Status applied = collection->Apply(record);
    if (applied.code() == StatusCode::kInvalidArgument) {
      // Acknowledged by an older version whose checks were looser (e.g. an id of invalid UTF-8, a
      // vector whose distances overflow): skipping it keeps every other item readable.
      LogWarn("collection.replay_skipped_record", {{"collection", directory.filename().string()},
                                                   {"sequence", record.sequence},
                                                   {"reason", applied.message()}});
      return Status::Ok();
    }
    return applied;
  };
  for (size_t i = 0; i < files.logs.size(); ++i) {
    const std::uint64_t base = files.logs[i];
    const std::filesystem::path path = directory / LogName(base);
    if (base > expected - 1) {
      return FailedPrecondition("collection " + directory.string() + ": " + path.filename().string() +
                                " starts after sequence " + std::to_string(expected - 1) +
                                " (a snapshot or log file is missing)");
    }
    if (i + 1 < files.logs.size()) {
      IRIS_RETURN_IF_ERROR(CollectionLog::Replay(path, apply));
    } else {
      IRIS_ASSIGN_OR_RETURN(collection->log_, CollectionLog::Open(path, apply));
    }
  }
  // No log yet, or killed between writing a snapshot and starting its log: start log-<snapshot>.
  if (!collection->log_ ||
      (collection->log_->base_sequence() < snapshot && collection->log_->last_sequence() <= snapshot)) {
    const std::filesystem::path path = directory / LogName(snapshot);
    IRIS_RETURN_IF_ERROR(CollectionLog::Create(path, snapshot));
    IRIS_ASSIGN_OR_RETURN(collection->log_, CollectionLog::Open(path, nullptr));
  }

  // Best-effort cleanup of what an interrupted Checkpoint left behind.
  std::error_code ignored;
  for (std::uint64_t base : files.logs) {
    if (base < collection->log_->base_sequence()) std::filesystem::remove(directory / LogName(base), ignored);
  }
  for (std::uint64_t s : files.snapshots) {
    if (s < snapshot) std::filesystem::remove(directory / SnapshotName(s), ignored);
  }
  for (const auto& temp : files.temporaries) std::filesystem::remove(temp, ignored);
  return collection;
}

Status DurableCollection::Apply(const LogRecord& record) {
  if (record.type == LogRecord::Type::kUpsert) return index_->Upsert(record.id, record.vector, record.metadata);
  Status deleted = index_->Delete(record.id);
  if (deleted.code() == StatusCode::kNotFound) return Status::Ok();  // replay of a delete already applied
  return deleted;
}

Status DurableCollection::ValidateUpsert(const std::string& id, std::span<const float> vector,
                                         const nlohmann::json& metadata) const {
  IRIS_RETURN_IF_ERROR(ValidateItemId(id));
  if (!metadata.is_null() && !metadata.is_object()) return InvalidArgument("metadata must be a JSON object");
  IRIS_RETURN_IF_ERROR(CheckJsonDepth(metadata).WithContext("metadata"));
  return ValidateVector(options_.index.metric, options_.index.dim, vector);
}

Status DurableCollection::Upsert(const std::string& id, std::span<const float> vector, nlohmann::json metadata) {
  IRIS_RETURN_IF_ERROR(ValidateUpsert(id, vector, metadata));
  LogRecord record;
  record.type = LogRecord::Type::kUpsert;
  record.id = id;
  record.vector.assign(vector.begin(), vector.end());
  record.metadata = metadata.is_null() ? nlohmann::json::object() : std::move(metadata);
  std::lock_guard lock(writer_mutex_);
  IRIS_RETURN_IF_ERROR(log_->Append(record).status());
  return Apply(record);
}

Status DurableCollection::UpsertBatch(std::span<const DurableItem> items) {
  std::vector<LogRecord> records(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    IRIS_RETURN_IF_ERROR(
        ValidateUpsert(items[i].id, items[i].vector, items[i].metadata).WithContext("item " + std::to_string(i)));
    records[i].type = LogRecord::Type::kUpsert;
    records[i].id = items[i].id;
    records[i].vector = items[i].vector;
    records[i].metadata = items[i].metadata.is_null() ? nlohmann::json::object() : items[i].metadata;
  }
  std::lock_guard lock(writer_mutex_);
  IRIS_RETURN_IF_ERROR(log_->AppendBatch(records).status());
  for (const LogRecord& record : records) IRIS_RETURN_IF_ERROR(Apply(record));
  return Status::Ok();
}

Status DurableCollection::Delete(const std::string& id) {
  if (id.empty()) return InvalidArgument("item id must not be empty");
  std::lock_guard lock(writer_mutex_);
  if (!index_->Contains(id)) return NotFound("no item with id '" + id + "'");  // nothing to log
  LogRecord record;
  record.type = LogRecord::Type::kDelete;
  record.id = id;
  IRIS_RETURN_IF_ERROR(log_->Append(record).status());
  return Apply(record);
}

Status DurableCollection::Checkpoint() {
  std::lock_guard lock(writer_mutex_);
  const std::uint64_t sequence = log_->last_sequence();
  IRIS_RETURN_IF_ERROR(index_->Save(directory_ / SnapshotName(sequence)));
  const std::uint64_t old_snapshot = snapshot_sequence_;
  snapshot_sequence_ = sequence;
  if (log_->base_sequence() != sequence) {
    const std::filesystem::path path = directory_ / LogName(sequence);
    if (!std::filesystem::exists(path)) IRIS_RETURN_IF_ERROR(CollectionLog::Create(path, sequence));
    const std::uint64_t old_log = log_->base_sequence();
    IRIS_ASSIGN_OR_RETURN(log_, CollectionLog::Open(path, nullptr));
    std::error_code ignored;
    std::filesystem::remove(directory_ / LogName(old_log), ignored);
  }
  if (old_snapshot != sequence) {
    std::error_code ignored;
    std::filesystem::remove(directory_ / SnapshotName(old_snapshot), ignored);
  }
  return Status::Ok();
}

std::uint64_t DurableCollection::last_sequence() const {
  std::lock_guard lock(writer_mutex_);
  return log_->last_sequence();
}

std::uint64_t DurableCollection::snapshot_sequence() const {
  std::lock_guard lock(writer_mutex_);
  return snapshot_sequence_;
}

}  // namespace iris
